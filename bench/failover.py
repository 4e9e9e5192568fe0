#!/usr/bin/env python3
"""Kills the leader of a local Switchboard cluster with SIGKILL several times and prints the
seconds from each kill to the next acknowledged write (through any surviving node), then
restarts the killed node. Usage: failover.py CLUSTER_DIR BINARY [trials]."""
import json, os, signal, subprocess, sys, time, urllib.request

directory, binary = sys.argv[1], sys.argv[2]
trials = int(sys.argv[3]) if len(sys.argv) > 3 else 5
token = open(os.path.join(directory, "admin-token")).read().strip()
nodes = sorted(int(name[1:-4]) for name in os.listdir(directory) if name.startswith("n") and name.endswith(".pid"))


def url(node):
    return f"http://127.0.0.{10 + node}:8080"


def request(node, method, path, body=None, timeout=0.5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url(node) + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as reply:
        return json.loads(reply.read())


def pid(node):
    return int(open(os.path.join(directory, f"n{node}.pid")).read())


def leader():
    for node in nodes:
        try:
            status = request(node, "GET", "/v1/cluster")
            if status["leader"] == status["nodeId"]:
                return node
        except Exception:
            pass
    return None


gaps = []
for trial in range(trials):
    deadline = time.time() + 20
    while leader() is None and time.time() < deadline:
        time.sleep(0.05)
    victim = leader()
    os.kill(pid(victim), signal.SIGKILL)
    killed = time.time()
    survivors = [n for n in nodes if n != victim]
    sequence = 0
    while True:
        sequence += 1
        try:
            request(survivors[sequence % len(survivors)], "PUT", f"/v1/registers/failover-{trial}", {"value": str(sequence)})
            break
        except Exception:
            time.sleep(0.005)
    gaps.append(time.time() - killed)
    ip = f"127.0.0.{10 + victim}"
    log = open(os.path.join(directory, f"n{victim}.log"), "ab")
    process = subprocess.Popen([binary, "start", "--node-id", str(victim), "--data-dir", os.path.join(directory, f"n{victim}"),
                                "--peer-addr", f"{ip}:7000", "--http-addr", f"{ip}:8080",
                                "--cluster-secret-file", os.path.join(directory, "cluster-secret"),
                                "--admin-token-file", os.path.join(directory, "admin-token")], stdout=log, stderr=log)
    open(os.path.join(directory, f"n{victim}.pid"), "w").write(str(process.pid))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url(victim) + "/health/ready", timeout=0.5)
            break
        except Exception:
            time.sleep(0.1)
gaps.sort()
print("switchboard failover_s=" + ",".join(f"{g:.2f}" for g in gaps) + f" median_s={gaps[len(gaps) // 2]:.2f}")
