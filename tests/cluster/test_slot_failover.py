"""A slot owner is killed while its SLA timers are due: the new owner fires every due timer,
and each fires exactly once (DESIGN.md §6: commands carry the slot epoch, apply refuses stale
ones and work already done)."""
import asyncio
import json
import time

import requests
from websockets.asyncio.client import connect

SLOT_COUNT = 64


def slot_of(identifier):
    """FNV-1a over UTF-8, as `SlotMap.slot(of:)`."""
    value = 0xCBF29CE484222325
    for byte in identifier.encode():
        value ^= byte
        value = (value * 0x100000001B3) % (1 << 64)
    return value % SLOT_COUNT


def call(node, method, path, token, body=None):
    return requests.request(method, node.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


async def breach_events(node, token, seconds=3):
    counts = {}
    async with connect(node.url.replace("http://", "ws://") + "/v1/events?after=0",
                       additional_headers={"Authorization": f"Bearer {token}"}, max_queue=None) as socket:
        try:
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), timeout=seconds))
                if event["type"] == "ticket.sla_breached":
                    key = (event["data"]["ticket"]["id"], event["data"]["metric"])
                    counts[key] = counts.get(key, 0) + 1
        except asyncio.TimeoutError:
            return counts


def test_due_sla_timers_fire_exactly_once_after_their_owner_dies(cluster_factory):
    cluster = cluster_factory().start()
    first = cluster.nodes[1]
    token = cluster.token
    every_day = [{"weekday": day, "startMinuteOfDay": 0, "endMinuteOfDay": 1440} for day in range(1, 8)]
    assert call(first, "POST", "/v1/business-calendars", token, {
        "id": "always", "name": "Always open", "timeZone": "UTC", "openingHours": every_day}).status_code == 201
    policy = call(first, "POST", "/v1/sla-policies", token, {
        "id": "fast", "name": "Fast", "calendarID": "always", "isDefault": True,
        "targets": {"normal": {"firstResponseMinutes": 1}}})
    assert policy.status_code == 201, policy.text
    customer = call(first, "POST", "/v1/customers", token, {"name": "Ada"}).json()["id"]

    owners = cluster.wait_until(
        lambda: (m := first.status()) and all(member["slots"] for member in m["members"]) and m, "slots assigned")
    owner_of = {slot: int(member["id"]) for member in owners["members"] for slot in member["slots"]}
    tickets = []
    for number in range(24):
        reply = call(first, "POST", "/v1/tickets", token, {"subject": f"Help {number}", "requester": customer})
        assert reply.status_code == 201, reply.text
        tickets.append(reply.json())
    created = time.time()
    by_owner = {}
    for ticket in tickets:
        by_owner.setdefault(owner_of[slot_of(ticket["id"])], []).append(ticket["id"])
    victim_id = max(by_owner, key=lambda node: len(by_owner[node]))
    victim = cluster.nodes[victim_id]

    # Kill the owner a moment before its timers are due.
    time.sleep(max(0, created + 57 - time.time()))
    victim.kill()
    survivor = next(n for n in cluster.nodes.values() if n.running)

    def all_breached():
        for ticket in tickets:
            reply = call(survivor, "GET", f"/v1/tickets/{ticket['id']}?consistency=stale", token)
            if reply.status_code != 200 or "firstResponse" not in reply.json()["sla"]["breached"]:
                return False
        return True

    cluster.wait_until(all_breached, "every first-response breach recorded", timeout=45)
    victim.start()
    cluster.wait_until(victim.ready, "the killed node back")
    for node in cluster.nodes.values():
        counts = asyncio.run(breach_events(node, token))
        assert counts == {(ticket["id"], "firstResponse"): 1 for ticket in tickets}, f"node {node.id}: {counts}"
    escalated = call(survivor, "GET", f"/v1/tickets/{tickets[0]['id']}", token).json()
    assert escalated["priority"] == "normal", "no escalation configured, so priority stays"
