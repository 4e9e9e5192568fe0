"""Session slots over real nodes: balanced across voters, moved off dead, removed and drained
nodes, shared with joining nodes with minimal movement (DESIGN.md §6)."""
import asyncio
import os
import subprocess
import time

import requests
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from harness import BINARY

SLOT_COUNT = 64


def slot_owners(node):
    """{node id: [slots]} as `node` sees it, or None if it does not answer."""
    status = node.status()
    if not status:
        return None
    return {int(m["id"]): m["slots"] for m in status["members"]}


def balanced(owners, nodes):
    counts = [len(owners.get(n, [])) for n in nodes]
    assigned = sorted(s for n in nodes for s in owners.get(n, []))
    return assigned == list(range(SLOT_COUNT)) and max(counts) - min(counts) <= 1


def wait_balanced(cluster, observer, nodes, timeout=20):
    def probe():
        owners = slot_owners(observer)
        return owners if owners and balanced(owners, nodes) else None
    return cluster.wait_until(probe, f"slots balanced over {sorted(nodes)}", timeout=timeout)


def test_slots_are_balanced_and_every_node_agrees(cluster_factory):
    cluster = cluster_factory().start()
    owners = wait_balanced(cluster, cluster.nodes[1], {1, 2, 3})
    for node in cluster.nodes.values():
        cluster.wait_until(lambda: slot_owners(node) == owners, f"node {node.id} to see the same slot map")


def test_a_dead_nodes_slots_move_to_the_survivors_and_come_back(cluster_factory):
    cluster = cluster_factory().start()
    owners = wait_balanced(cluster, cluster.nodes[1], {1, 2, 3})
    leader = cluster.leader()
    victim = next(n for n in cluster.nodes.values() if n is not leader)
    lost = set(owners[victim.id])
    victim.kill()
    started = time.monotonic()
    after = wait_balanced(cluster, leader, {n for n in cluster.nodes if n != victim.id})
    elapsed = time.monotonic() - started
    print(f"slots of a dead node owned again after {elapsed:.2f} s")
    assert elapsed < 15
    for survivor, slots in after.items():
        if survivor != victim.id:
            assert set(owners[survivor]) <= set(slots), "survivors keep what they had"
    assert lost <= {s for n, slots in after.items() if n != victim.id for s in slots}
    victim.start()
    wait_balanced(cluster, leader, {1, 2, 3})


def test_a_joining_node_takes_only_its_share(cluster_factory):
    cluster = cluster_factory().start()
    before = wait_balanced(cluster, cluster.nodes[1], {1, 2, 3})
    cluster.add_node(4)
    after = wait_balanced(cluster, cluster.nodes[1], {1, 2, 3, 4}, timeout=40)
    for node in (1, 2, 3):
        assert set(after[node]) <= set(before[node]), f"node {node} only gave slots away"
    assert len(after[4]) == SLOT_COUNT // 4


async def wait_for_close(url, token):
    async with connect(url.replace("http://", "ws://") + "/v1/events?after=0",
                       additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        try:
            while True:
                await asyncio.wait_for(socket.recv(), timeout=20)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def test_drain_moves_slots_and_clients_away_before_removal(cluster_factory):
    cluster = cluster_factory().start()
    wait_balanced(cluster, cluster.nodes[1], {1, 2, 3})
    drained = cluster.nodes[2]

    async def scenario():
        watcher = asyncio.create_task(wait_for_close(drained.url, cluster.token))
        await asyncio.sleep(0.5)
        environment = dict(os.environ, SWITCHBOARD_TOKEN=cluster.token)
        result = await asyncio.to_thread(
            subprocess.run, [BINARY, "node", "drain", "--endpoint", cluster.nodes[1].url, "--node-id", "2"],
            capture_output=True, text=True, env=environment, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "drained" in result.stdout
        return await asyncio.wait_for(watcher, timeout=10)

    assert asyncio.run(scenario()) == 4001
    owners = slot_owners(cluster.nodes[1])
    assert owners[2] == [] and balanced(owners, {1, 3})
    ready = drained.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "draining"
    # A new subscriber on the drained node is sent away at once.
    assert asyncio.run(wait_for_close(drained.url, cluster.token)) == 4001
    leader = cluster.leader()
    removed = requests.delete(f"{leader.url}/v1/cluster/members/2", headers=cluster.headers, timeout=10)
    if leader is drained:
        # A leader asked to remove itself hands leadership over first and names the new leader.
        assert removed.status_code == 421, removed.text
        removed = requests.delete(f"{removed.json()['error']['leaderURL']}/v1/cluster/members/2",
                                  headers=cluster.headers, timeout=10)
    assert removed.status_code == 200, removed.text
    survivor = cluster.nodes[1] if leader is drained else leader
    after = cluster.wait_until(lambda: (o := slot_owners(survivor)) and 2 not in o and o, "node 2 removed")
    assert balanced(after, {1, 3})
