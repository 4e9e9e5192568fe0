#!/usr/bin/env python3
"""Scale figures of a fresh local 3-node cluster, one line each:

  footprint conversations=N rss_mb=n1,n2,n3 rss_mb_mean=M rocksdb_mb=r1,r2,r3
                                                                 RSS (VmRSS) per node at N conversations, and
                                                                 how much of it RocksDB holds (memtables, block
                                                                 cache, table readers; from /metrics)
  footprint messages=N disk_bytes_per_message=B disk_mb=n1,n2,n3  disk growth per message while loading
  footprint messages=N restart_ready_s=S                          a follower stopped and started again,
                                                                 from exec to /health/ready answering 200

Conversations: 10,000 opened with bench/conversations.py (their ids are the message targets),
the rest by wrk with bench/conversation-open.lua. Messages: wrk with bench/message-load.lua, 64
connections, through the HTTP API (no bulk path). Usage:
  footprint.py BINARY [conversations=100000] [messages=1000000]
With FOOTPRINT_KEEP=1 the stopped cluster's directory is kept (and printed) for bench/restart.py.
"""
import json, os, signal, subprocess, sys, tempfile, time, urllib.request

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
binary = sys.argv[1]
conversations = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
messages = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
directory = tempfile.mkdtemp(prefix="switchboard-footprint-")
cluster = os.path.join(root, "cluster", "local-cluster")


def url(node):
    return f"http://127.0.0.{10 + node}:8080"


def pid(node):
    return int(open(os.path.join(directory, f"n{node}.pid")).read())


def rss_mb(node):
    for line in open(f"/proc/{pid(node)}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmRSS for node {node}")


def rocksdb_mb(node):
    """RocksDB's memory in a node (memtables, block cache, table readers), from its /metrics."""
    names = ("switchboard_rocksdb_memtable_bytes", "switchboard_rocksdb_block_cache_bytes",
             "switchboard_rocksdb_table_readers_bytes")
    with urllib.request.urlopen(url(node) + "/metrics", timeout=5) as reply:
        lines = reply.read().decode().splitlines()
    return sum(float(line.split()[1]) for line in lines if line.split(" ")[0] in names) / 1e6


def disk_bytes(node):
    return int(subprocess.run(["du", "-sb", os.path.join(directory, f"n{node}")], check=True,
                              capture_output=True, text=True).stdout.split()[0])


def status(node):
    request = urllib.request.Request(url(node) + "/v1/cluster", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


def wrk(script, node, count, environment):
    """Runs wrk until about `count` more entries are committed (its script stops each thread at
    its share, but wrk itself only ends at its duration or on SIGINT, which still prints the
    summary), then returns the script's `key=value` summary."""
    environment = dict(os.environ, SWITCHBOARD_TOKEN=token, LOAD_THREADS="2", **environment)
    target = status(node)["commit"] + count
    process = subprocess.Popen(["wrk", "-t2", "-c64", "-d3600s", "--timeout", "10s", "-s", os.path.join(here, script), url(node)],
                               stdout=subprocess.PIPE, text=True, env=environment)
    last, unchanged = 0, 0
    while process.poll() is None:
        time.sleep(0.5)
        commit = status(node)["commit"]
        unchanged = unchanged + 1 if commit == last else 0
        last = commit
        if commit >= target or unchanged >= 20:
            process.send_signal(signal.SIGINT)
            break
    output = process.communicate()[0]
    counts = [dict(item.split("=") for item in line.split()) for line in output.splitlines() if line[:1].isalpha() and "=" in line]
    return counts[-1] if counts else {}


def wait_ready(node, limit_s=600):
    started = time.time()
    while time.time() - started < limit_s:
        try:
            with urllib.request.urlopen(url(node) + "/health/ready", timeout=1):
                return
        except Exception:
            time.sleep(0.02)
    raise SystemExit(f"node {node} not ready after {limit_s} s; see {directory}/n{node}.log")


try:
    subprocess.run([cluster, "start", "--nodes", "3", "--dir", directory, "--binary", binary], check=True, capture_output=True)
    token = open(os.path.join(directory, "admin-token")).read().strip()
    leader = int(status(1)["leader"])
    follower = leader % 3 + 1
    ids_file = os.path.join(directory, "conversations")
    seeded = min(conversations, 10_000)
    with open(ids_file, "w") as out:
        subprocess.run([sys.executable, os.path.join(here, "conversations.py"), url(leader), token, str(seeded)], check=True, stdout=out)
    if conversations > seeded:
        wrk("conversation-open.lua", leader, conversations - seeded, {"OPEN_CONVERSATIONS": str(conversations - seeded)})
    time.sleep(1)
    sizes = [rss_mb(node) for node in (1, 2, 3)]
    print(f"footprint conversations={conversations} rss_mb={','.join(f'{s:.0f}' for s in sizes)} "
          f"rss_mb_mean={sum(sizes) / 3:.0f} rocksdb_mb={','.join(f'{rocksdb_mb(n):.0f}' for n in (1, 2, 3))}", flush=True)
    before = [disk_bytes(node) for node in (1, 2, 3)]
    loaded = wrk("message-load.lua", leader, messages, {"LOAD_MESSAGES": str(messages), "CONVERSATIONS_FILE": ids_file})
    posted = int(loaded.get("loaded", messages))
    after = [disk_bytes(node) for node in (1, 2, 3)]
    growth = sum(a - b for a, b in zip(after, before)) / 3
    print(f"footprint messages={posted} load_s={loaded.get('seconds', '?')} disk_bytes_per_message={growth / max(posted, 1):.0f} "
          f"disk_mb={','.join(f'{a / 1e6:.0f}' for a in after)} rss_mb={','.join(f'{rss_mb(n):.0f}' for n in (1, 2, 3))}", flush=True)
    commit = status(leader)["commit"]
    while status(follower)["applied"] < commit:
        time.sleep(0.1)
    os.kill(pid(follower), signal.SIGTERM)
    while subprocess.run(["kill", "-0", str(pid(follower))], capture_output=True).returncode == 0:
        time.sleep(0.05)
    ip = f"127.0.0.{10 + follower}"
    log = open(os.path.join(directory, f"n{follower}.log"), "ab")
    started = time.time()
    process = subprocess.Popen([binary, "start", "--node-id", str(follower), "--data-dir", os.path.join(directory, f"n{follower}"),
                                "--peer-addr", f"{ip}:7000", "--http-addr", f"{ip}:8080",
                                "--cluster-secret-file", os.path.join(directory, "cluster-secret"),
                                "--admin-token-file", os.path.join(directory, "admin-token")], stdout=log, stderr=log)
    open(os.path.join(directory, f"n{follower}.pid"), "w").write(str(process.pid))
    wait_ready(follower)
    print(f"footprint messages={posted} restart_ready_s={time.time() - started:.2f}", flush=True)
finally:
    subprocess.run([cluster, "stop", "--dir", directory], capture_output=True)
    if os.environ.get("FOOTPRINT_KEEP"):
        print(f"footprint kept={directory} follower={follower}", flush=True)
    else:
        subprocess.run(["rm", "-rf", directory])
