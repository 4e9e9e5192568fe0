#!/usr/bin/env python3
"""Restart-to-ready of one node of a cluster kept by `FOOTPRINT_KEEP=1 bench/footprint.py`, on a
settled cluster: the three nodes are started, then NODE is stopped and started again TIMES
times, and each start is timed from exec to /health/ready answering 200. One line each:

  restart ready_s=S

Usage: restart.py BINARY DIR NODE [times=3]. Every node it starts is stopped when it ends.
"""
import os, signal, subprocess, sys, time, urllib.request

binary, directory, restarted = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = int(sys.argv[4]) if len(sys.argv) > 4 else 3
processes = {}


def start(node):
    ip = f"127.0.0.{10 + node}"
    log = open(os.path.join(directory, f"n{node}.log"), "ab")
    processes[node] = subprocess.Popen(
        [binary, "start", "--node-id", str(node), "--data-dir", os.path.join(directory, f"n{node}"),
         "--peer-addr", f"{ip}:7000", "--http-addr", f"{ip}:8080",
         "--cluster-secret-file", os.path.join(directory, "cluster-secret"),
         "--admin-token-file", os.path.join(directory, "admin-token")], stdout=log, stderr=log)


def ready(node):
    try:
        return urllib.request.urlopen(f"http://127.0.0.{10 + node}:8080/health/ready", timeout=1).status == 200
    except Exception:
        return False


def wait_ready(node, seconds=120):
    deadline = time.time() + seconds
    while not ready(node):
        if time.time() > deadline:
            raise SystemExit(f"node {node} not ready after {seconds} s")
        time.sleep(0.02)


def stop(node):
    processes[node].send_signal(signal.SIGTERM)
    processes[node].wait()


try:
    for node in (1, 2, 3):
        start(node)
    for node in (1, 2, 3):
        wait_ready(node)
    time.sleep(3)
    for _ in range(times):
        stop(restarted)
        time.sleep(1)
        started = time.time()
        start(restarted)
        wait_ready(restarted)
        print(f"restart ready_s={time.time() - started:.2f}", flush=True)
        time.sleep(2)
finally:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes.values():
        process.wait()
