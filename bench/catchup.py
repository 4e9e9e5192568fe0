#!/usr/bin/env python3
"""Writes ENTRIES registers into a running local cluster (64 concurrent writers), then starts
node 4 with --join and prints the seconds until it is a voter that has applied everything the
leader had committed. Usage: catchup.py CLUSTER_DIR BINARY [entries]."""
import concurrent.futures, json, os, subprocess, sys, time, urllib.request

directory, binary = sys.argv[1], sys.argv[2]
entries = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
token = open(os.path.join(directory, "admin-token")).read().strip()
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def call(node, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.{10 + node}:8080{path}", data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as reply:
        return json.loads(reply.read())


def writer(start):
    for i in range(start, entries, 64):
        call(1 + i % 3, "PUT", f"/v1/registers/c{i}", {"value": "x" * 48})


with concurrent.futures.ThreadPoolExecutor(64) as pool:
    list(pool.map(writer, range(64)))
leader_commit = call(1, "GET", "/v1/cluster")["commit"]
ip = "127.0.0.14"
log = open(os.path.join(directory, "n4.log"), "ab")
started = time.time()
process = subprocess.Popen([binary, "start", "--node-id", "4", "--data-dir", os.path.join(directory, "n4"),
                            "--peer-addr", f"{ip}:7000", "--http-addr", f"{ip}:8080", "--join", "http://127.0.0.11:8080",
                            "--cluster-secret-file", os.path.join(directory, "cluster-secret"),
                            "--admin-token-file", os.path.join(directory, "admin-token")], stdout=log, stderr=log)
open(os.path.join(directory, "n4.pid"), "w").write(str(process.pid))
while True:
    try:
        status = call(4, "GET", "/v1/cluster")
        voter = any(m["id"] == "4" and m["role"] == "voter" for m in status["members"])
        if voter and status["applied"] >= leader_commit:
            break
    except Exception:
        pass
    if time.time() - started > 300:
        sys.exit("node 4 did not catch up within 300 s")
    time.sleep(0.05)
print(f"switchboard catchup_entries={leader_commit} catchup_s={time.time() - started:.2f}")
