"""Multi-process cluster tests: real `switchboard` nodes over TCP on 127.0.0.11-15."""
import signal
import subprocess
import threading
import time

import pytest
import requests

from harness import BINARY, Node, address


def test_three_nodes_form_a_cluster_and_replicate(cluster_factory):
    cluster = cluster_factory().start()
    leader = cluster.leader()
    follower = next(n for n in cluster.nodes.values() if n is not leader)
    assert cluster.write(follower, "greeting", "hello").status_code == 200
    for node in cluster.nodes.values():
        reply = cluster.read(node, "greeting")
        assert reply.status_code == 200 and reply.json()["value"] == "hello"
    status = leader.status()
    assert status["leader"] == str(leader.id)
    assert sorted(m["id"] for m in status["members"]) == ["1", "2", "3"]
    assert all(m["role"] == "voter" for m in status["members"])
    for node in cluster.nodes.values():
        # The write sits in every node's memtables, which are part of the node's resident size;
        # a node reads RocksDB's figures about once a second.
        deadline = time.time() + 5
        metrics = node.metrics()
        while metrics["switchboard_rocksdb_memtable_bytes"] == 0 and time.time() < deadline:
            time.sleep(0.1)
            metrics = node.metrics()
        assert metrics["switchboard_rocksdb_memtable_bytes"] > 0
        assert metrics["process_resident_memory_bytes"] > metrics["switchboard_rocksdb_memtable_bytes"]
        assert "switchboard_rocksdb_block_cache_bytes" in metrics and "switchboard_rocksdb_table_readers_bytes" in metrics
        # Every allocation goes through jemalloc, which the node links ahead of libc.
        assert metrics.get('switchboard_allocator_info{library="libjemalloc.so.2"}') == 1


def test_leader_kill_loses_no_acknowledged_write(cluster_factory):
    cluster = cluster_factory().start()
    leader = cluster.leader()
    acknowledged = {}
    stop = threading.Event()

    def writer(worker):
        sequence = 0
        while not stop.is_set():
            key = f"w{worker}-{sequence}"
            targets = [n for n in cluster.nodes.values() if n.running]
            node = targets[sequence % len(targets)]
            try:
                if cluster.write(node, key, str(sequence), timeout=3).status_code == 200:
                    acknowledged[key] = str(sequence)
            except requests.RequestException:
                pass
            sequence += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    killed_at = time.time()
    leader.kill()
    new_leader = cluster.wait_until(
        lambda: next((n for n in cluster.nodes.values() if n.running and (n.status() or {}).get("leader") == str(n.id)), None),
        "a new leader")
    failover_seconds = time.time() - killed_at
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    assert new_leader is not leader
    assert len(acknowledged) > 20
    for key, value in acknowledged.items():
        reply = cluster.read(new_leader, key)
        assert reply.status_code == 200 and reply.json()["value"] == value, key
    print(f"leader failover took {failover_seconds:.2f}s")

    # The killed node restarts from its data dir alone and catches up.
    leader.start()
    cluster.wait_until(leader.ready, "the restarted node to be ready")
    target = new_leader.status()["commit"]
    cluster.wait_until(lambda: (leader.status() or {}).get("applied", 0) >= target, "catch up")
    some_key = next(iter(acknowledged))
    assert cluster.read(leader, some_key, stale=True).json()["value"] == acknowledged[some_key]


def test_joining_node_catches_up_by_snapshot_and_becomes_voter(cluster_factory):
    cluster = cluster_factory(snapshot_entries=50).start()
    leader = cluster.leader()
    for i in range(200):
        assert cluster.write(leader, f"k{i}", str(i)).status_code == 200
    newcomer = cluster.add_node(4)
    cluster.wait_until(lambda: any(m["id"] == "4" and m["role"] == "voter" for m in (leader.status() or {}).get("members", [])),
                       "node 4 promoted to voter")
    cluster.wait_until(newcomer.ready, "node 4 ready")
    assert cluster.read(newcomer, "k123").json()["value"] == "123"
    assert newcomer.metrics().get("switchboard_snapshots_installed_total", 0) >= 1


def test_remove_node_and_transfer_leadership(cluster_factory):
    cluster = cluster_factory().start()
    leader = cluster.leader()
    others = [n for n in cluster.nodes.values() if n is not leader]
    reply = subprocess.run([BINARY, "leader", "transfer", "--endpoint", others[0].url, "--to", str(others[0].id),
                            "--token", cluster.token], capture_output=True, text=True, timeout=30)
    assert reply.returncode == 0, reply.stderr
    assert cluster.leader().id == others[0].id
    reply = subprocess.run([BINARY, "node", "remove", "--endpoint", leader.url, "--node-id", str(others[1].id),
                            "--token", cluster.token], capture_output=True, text=True, timeout=30)
    assert reply.returncode == 0, reply.stderr
    others[1].stop()
    listing = subprocess.run([BINARY, "node", "list", "--endpoint", leader.url, "--json", "--token", cluster.token],
                             capture_output=True, text=True, timeout=30)
    assert '"3"' not in listing.stdout if others[1].id == 3 else True
    status = cluster.leader().status()
    assert sorted(m["id"] for m in status["members"]) == sorted(str(n.id) for n in cluster.nodes.values() if n is not others[1])
    assert cluster.write(cluster.leader(), "after", "removal").status_code == 200


@pytest.mark.parametrize("paused", [False, True], ids=["running", "paused-during-removal"])
def test_a_removed_node_that_keeps_running_says_so(cluster_factory, paused):
    """A follower removed while it runs learns it: by applying its removal, or, when it was
    paused through the removal and so never saw it, from the members, which answer its next
    dial with an authenticated farewell. It then refuses writes and linearizable reads with
    410 `removed` at once (not a 503 after a timeout) and is not ready, so a load balancer
    drops it; stale reads still answer."""
    cluster = cluster_factory().start()
    leader = cluster.leader()
    removed = next(n for n in cluster.nodes.values() if n is not leader)
    assert cluster.write(leader, "before", "removal").status_code == 200
    cluster.wait_until(lambda: cluster.read(removed, "before", stale=True).status_code == 200, "the follower to apply")
    if paused:
        removed.process.send_signal(signal.SIGSTOP)
    try:
        reply = requests.delete(f"{leader.url}/v1/cluster/members/{removed.id}", headers=cluster.headers, timeout=10)
        assert reply.status_code == 200, reply.text
    finally:
        removed.process.send_signal(signal.SIGCONT)
    cluster.wait_until(lambda: (removed.status() or {}).get("removed"), "the removed node to know it", timeout=15)
    started = time.monotonic()
    write = cluster.write(removed, "after", "removal")
    assert write.status_code == 410 and write.json()["error"]["code"] == "removed", write.text
    post = requests.post(removed.url + "/v1/conversations", json={"customer": {"externalId": "x"}, "channel": "web"},
                         headers=cluster.headers, timeout=5)
    assert post.status_code == 410 and post.json()["error"]["code"] == "removed", post.text
    assert cluster.read(removed, "before").status_code == 410
    assert time.monotonic() - started < 2
    assert cluster.read(removed, "before", stale=True).json()["value"] == "removal"
    readiness = requests.get(removed.url + "/health/ready", timeout=2)
    assert readiness.status_code == 503 and readiness.json()["status"] == "removed"
    shown = subprocess.run([BINARY, "cluster", "status", "--endpoint", removed.url, "--token", cluster.token],
                           capture_output=True, text=True, timeout=30)
    assert f"node {removed.id} was removed from the cluster" in shown.stdout, shown.stdout + shown.stderr
    assert cluster.write(leader, "after", "removal").status_code == 200
    if paused:
        assert "says this node was removed from the cluster" in removed.log()


def test_read_leases_answer_at_the_leader_and_lapse_while_it_is_paused(cluster_factory):
    """With --read-leases the leader answers reads from its own state between heartbeat
    rounds. Paused (SIGSTOP) past an election, it must not go on answering from the lease it
    held: the others elect a leader that writes, and the first read the old leader answers
    once it runs again is never the old value (the lease is kept in monotonic time, which ran
    on while the process was stopped)."""
    cluster = cluster_factory(read_leases=True).start()
    leader = cluster.leader()
    assert cluster.write(leader, "k", "old").status_code == 200
    for _ in range(20):
        assert cluster.read(leader, "k").json()["value"] == "old"
    assert leader.metrics()["switchboard_reads_by_lease_total"] > 0
    others = [n for n in cluster.nodes.values() if n is not leader]

    def successor():
        return next((n for n in others if (n.status() or {}).get("leader") == str(n.id)), None)

    leader.process.send_signal(signal.SIGSTOP)
    try:
        new_leader = cluster.wait_until(successor, "a new leader")
        assert cluster.write(new_leader, "k", "new").status_code == 200
    finally:
        leader.process.send_signal(signal.SIGCONT)
    reply = cluster.read(leader, "k")
    assert reply.status_code != 200 or reply.json()["value"] == "new", reply.text
    assert all(n.metrics()["switchboard_reads_by_lease_total"] == 0 for n in others)


def test_removing_the_leader_leaves_a_leader_in_place(cluster_factory):
    """Asked to remove itself, the leader hands leadership to another voter and points there
    (421 not_leader); the new leader removes the old one as a follower. So when the removal is
    answered another node already leads: nobody waits out an election timeout (`node remove`
    follows the pointer by itself)."""
    cluster = cluster_factory().start()
    leader = cluster.leader()
    path = f"/v1/cluster/members/{leader.id}"
    moved = requests.delete(leader.url + path, headers=cluster.headers, timeout=10)
    assert moved.status_code == 421, moved.text
    successor = next(n for n in cluster.nodes.values() if str(n.id) == moved.json()["error"]["leader"])
    assert requests.delete(successor.url + path, headers=cluster.headers, timeout=10).status_code == 200
    status = successor.status()
    assert status["leader"] == str(successor.id)
    assert str(leader.id) not in [m["id"] for m in status["members"]]
    leader.stop()
    assert cluster.write(successor, "after", "removal").status_code == 200


def test_node_with_wrong_secret_cannot_join(cluster_factory):
    cluster = cluster_factory().start()
    wrong = cluster._write("wrong-secret", "f" * 64)
    newcomer = cluster.add_node(4, secret_file=wrong)
    time.sleep(3)
    leader = cluster.leader()
    assert not newcomer.ready()
    assert cluster.read(leader, "x").status_code == 404
    logs = "".join(n.log() for n in cluster.nodes.values())
    assert "refused" in logs.lower() or "mac" in logs.lower(), logs[-2000:]


def test_requests_need_the_admin_token(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[1]
    assert requests.get(node.url + "/v1/cluster", timeout=5).status_code == 401
    assert requests.get(node.url + "/v1/cluster", headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
    reply = requests.put(node.url + "/v1/registers/k", data="{not json", headers=cluster.headers, timeout=5)
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "bad_request"


def test_corrupt_log_entry_is_detected_at_start(cluster_factory):
    cluster = cluster_factory().start()
    leader = cluster.leader()
    for i in range(20):
        cluster.write(leader, f"k{i}", "v")
    victim = next(n for n in cluster.nodes.values() if n is not leader)
    victim.stop()
    # Flip the value of one stored log entry with RocksDB's own tool.
    db = victim.data_dir + "/db"
    dump = subprocess.run(["ldb", f"--db={db}", "--column_family=raft_log", "scan", "--key_hex", "--value_hex"],
                          capture_output=True, text=True, check=True).stdout.split("\n")
    records = [line for line in dump if " : " in line]
    key, value = records[len(records) // 2].split(" : ")
    corrupted = value[:-2] + ("00" if value[-2:] != "00" else "01")
    subprocess.run(["ldb", f"--db={db}", "--column_family=raft_log", "put", "--key_hex", "--value_hex", key, corrupted],
                   check=True, capture_output=True)
    victim.start()
    victim.process.wait(timeout=20)
    assert victim.process.returncode != 0
    assert "corrupt" in victim.log().lower()


def test_a_node_stopped_with_sigterm_under_load_exits_cleanly(cluster_factory):
    """SIGTERM closes the database on the Raft thread before the process exits (exiting while
    RocksDB was still closing used to crash the node)."""
    cluster = cluster_factory().start()
    stop = threading.Event()

    def load():
        number = 0
        while not stop.is_set():
            number += 1
            try:
                cluster.write(cluster.nodes[1 + number % 3], f"k{number % 10}", str(number), timeout=1)
            except requests.RequestException:
                pass

    writer = threading.Thread(target=load)
    writer.start()
    try:
        for round_number in range(4):
            node = cluster.nodes[1 + round_number % 3]
            time.sleep(1)
            node.process.terminate()
            assert node.process.wait(timeout=20) == 0, node.log()[-2000:]
            node.start()
            cluster.wait_until(node.ready, f"node {node.id} ready again")
    finally:
        stop.set()
        writer.join()
