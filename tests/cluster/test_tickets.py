"""Tickets with SLAs over real nodes: a business calendar and a policy, a ticket from a
conversation, comments, a solve, its history, the customer notifications in the outbox, and
what an agent's token may see."""
import asyncio
import json
import uuid

import pytest
import requests
from websockets.asyncio.client import connect

PASSWORD = "correct horse battery"
MINUTE = 60_000


def call(node, method, path, token, body=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.request(method, node.url + path, json=body, headers=headers, timeout=5)


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


@pytest.fixture
def desk(cluster_factory):
    """Three nodes, a team, a supervisor and two agents (one in the team), signed in on
    different nodes."""
    cluster = cluster_factory().start()
    first = cluster.nodes[1]
    ok(call(first, "POST", "/v1/teams", cluster.token, {"id": "billing", "name": "Billing"}), 201)
    for staff_id, role, teams in [("sam", "supervisor", []), ("alex", "agent", ["billing"]), ("bo", "agent", [])]:
        ok(call(first, "POST", "/v1/agents", cluster.token, {
            "id": staff_id, "email": f"{staff_id}@example.com", "name": staff_id.title(), "role": role,
            "password": PASSWORD, "teamIDs": teams}), 201)
    tokens = {}
    for staff_id, node in [("sam", cluster.nodes[2]), ("alex", cluster.nodes[3]), ("bo", cluster.nodes[2])]:
        reply = requests.post(node.url + "/v1/auth/login",
                              json={"email": f"{staff_id}@example.com", "password": PASSWORD}, timeout=10)
        tokens[staff_id] = ok(reply)["token"]
    return cluster, tokens


def open_conversation(cluster, node, external_id):
    return ok(call(node, "POST", "/v1/conversations", cluster.token,
                   {"customer": {"externalId": external_id, "name": "Ada"}, "channel": "web"}), 201)


def create_ticket(cluster, node, requester, **fields):
    return ok(call(node, "POST", "/v1/tickets", cluster.token, {"subject": "Help", "requester": requester, **fields}), 201)


def around_the_clock_calendar(cluster, node, token):
    every_day = [{"weekday": day, "startMinuteOfDay": 0, "endMinuteOfDay": 1440} for day in range(1, 8)]
    return call(node, "POST", "/v1/business-calendars", token, {
        "id": "berlin", "name": "Berlin support", "timeZone": "Europe/Berlin", "openingHours": every_day,
        "holidays": ["2026-12-25"]})


def test_a_ticket_from_a_conversation_through_its_solve(desk):
    cluster, tokens = desk
    first, second, third = cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]
    calendar = ok(around_the_clock_calendar(cluster, second, tokens["sam"]), 201)
    # The proposing node expanded the zone: Berlin's 2026 switch to summer time is in the list.
    assert {"utcSeconds": 1774746000, "offsetSeconds": 7200} in calendar["offsetChanges"]
    assert len(calendar["offsetChanges"]) > 100
    policy = ok(call(second, "POST", "/v1/sla-policies", tokens["sam"], {
        "id": "standard", "name": "Standard", "calendarID": "berlin", "warningMinutes": 10, "isDefault": True,
        "targets": {"normal": {"firstResponseMinutes": 60, "resolutionMinutes": 480}},
        "escalation": {"raisePriority": True}}), 201)
    assert policy["isDefault"] is True and policy["escalation"] == {"raisePriority": True, "unassign": False}

    conversation = open_conversation(cluster, first, "visitor-1")
    ticket = ok(call(third, "POST", f"/v1/conversations/{conversation['id']}/ticket", tokens["alex"],
                     {"subject": "Parcel lost", "team": "billing"}), 201)
    assert ticket["conversationID"] == conversation["id"] and ticket["requesterID"] == conversation["customerID"]
    assert ticket["status"] == "new" and ticket["slaPolicyID"] == "standard" and ticket["channel"] == "web"
    assert ticket["sla"]["firstResponse"]["dueAt"] == ticket["createdAt"] + 60 * MINUTE
    assert ticket["sla"]["firstResponse"]["warnAt"] == ticket["createdAt"] + 50 * MINUTE
    # `"slaPolicy": null` opts a new ticket out of the default policy.
    bare = ok(call(first, "POST", "/v1/tickets", tokens["alex"],
                   {"requester": conversation["customerID"], "subject": "No clock", "slaPolicy": None}), 201)
    assert "slaPolicyID" not in bare and "firstResponse" not in bare.get("sla", {})
    path = f"/v1/tickets/{ticket['id']}"

    ok(call(first, "POST", path + "/comments", cluster.token,
            {"author": {"type": "customer"}, "text": "It never arrived"}), 201)
    reply = ok(call(third, "POST", path + "/comments", tokens["alex"], {"text": "We are sending a new one."}), 201)
    assert reply["author"] == {"type": "agent", "id": "alex"} and reply["seq"] == 2
    ok(call(third, "POST", path + "/comments", tokens["alex"], {"text": "Courier lost it", "internal": True}), 201)
    solved = ok(call(second, "PATCH", path, tokens["alex"], {"status": "solved", "tags": ["Parcel"]}))
    assert solved["status"] == "solved" and solved["tags"] == ["parcel"] and solved["firstRespondedAt"] == reply["createdAt"]
    assert "firstResponse" not in solved["sla"] and "resolution" not in solved["sla"]

    for node in cluster.nodes.values():
        view = ok(call(node, "GET", path, tokens["sam"]))
        assert view["status"] == "solved" and view["lastCommentSeq"] == 3
    history = ok(call(first, "GET", path + "/history", tokens["sam"]))["items"]
    assert [entry["action"] for entry in history] == ["created", "commented", "commented", "commented", "updated"]
    assert {"field": "status", "from": "open", "to": "solved"} in history[-1]["changes"]
    assert history[-1]["actor"] == {"staff": {"id": "alex", "role": "agent"}}
    comments = ok(call(first, "GET", path + "/comments", tokens["sam"]))["items"]
    assert [c["internal"] for c in comments] == [False, False, True]

    outbox = ok(call(second, "GET", f"/v1/outbox?ticket={ticket['id']}", tokens["sam"]))["items"]
    assert [(item["kind"], item["channel"], item["customerID"]) for item in outbox] == [
        ("reply", "web", conversation["customerID"]), ("solved", "web", conversation["customerID"])]
    assert outbox[0]["text"] == "We are sending a new one."
    assert call(second, "GET", "/v1/outbox", tokens["alex"]).status_code == 403

    # A customer comment reopens the solved ticket.
    reopened = call(first, "POST", path + "/comments", cluster.token,
                    {"author": {"type": "customer"}, "text": "The new one is broken"})
    assert reopened.status_code == 201
    assert ok(call(first, "GET", path, tokens["sam"]))["status"] == "open"


async def history_events(node, token, ticket_id, count):
    """The first `count` history entries of a ticket that the node's event stream sends."""
    entries = []
    async with connect(node.url.replace("http://", "ws://") + "/v1/events?after=0",
                       additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        while len(entries) < count:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            if event["type"] == "ticket_history.created" and event["data"]["ticketID"] == ticket_id:
                entries.append(event["data"])
    return entries


def test_every_history_entry_is_a_live_event(desk):
    cluster, tokens = desk
    first, third = cluster.nodes[1], cluster.nodes[3]
    customer = ok(call(first, "POST", "/v1/customers", cluster.token, {"name": "Li", "email": "li@example.com"}), 201)
    ticket = create_ticket(cluster, first, customer["id"], team="billing")
    path = f"/v1/tickets/{ticket['id']}"
    ok(call(third, "PATCH", path, tokens["alex"], {"priority": "high", "assignee": "alex"}))
    ok(call(first, "POST", path + "/comments", tokens["sam"], {"text": "Refund approved", "internal": True}), 201)
    history = ok(call(first, "GET", path + "/history", tokens["sam"]))["items"]
    assert [entry["action"] for entry in history] == ["created", "updated", "commented"]
    # Streamed from another node than the writes, to the supervisor and to the team's agent.
    assert asyncio.run(history_events(third, tokens["sam"], ticket["id"], 3)) == history
    assert asyncio.run(history_events(cluster.nodes[2], tokens["alex"], ticket["id"], 3)) == history


def test_an_agent_token_sees_only_its_own_team_and_unassigned_tickets(desk):
    cluster, tokens = desk
    node = cluster.nodes[1]
    customer = ok(call(node, "POST", "/v1/customers", cluster.token, {"name": "Li", "email": "li@example.com"}), 201)
    mine = create_ticket(cluster, node, customer["id"], assignee="alex")["id"]
    theirs = create_ticket(cluster, node, customer["id"], assignee="bo")["id"]
    team = create_ticket(cluster, node, customer["id"], assignee="bo", team="billing")["id"]
    unassigned = create_ticket(cluster, node, customer["id"])["id"]

    listed = {t["id"] for t in ok(call(node, "GET", "/v1/tickets?limit=100", tokens["alex"]))["items"]}
    assert listed == {mine, team, unassigned}
    assert {t["id"] for t in ok(call(node, "GET", "/v1/tickets", tokens["bo"]))["items"]} == {theirs, team, unassigned}
    assert {t["id"] for t in ok(call(node, "GET", "/v1/tickets", tokens["sam"]))["items"]} == {mine, theirs, team, unassigned}
    hidden = f"/v1/tickets/{theirs}"
    assert call(node, "GET", hidden, tokens["alex"]).status_code == 404
    assert call(node, "GET", hidden + "/comments", tokens["alex"]).status_code == 404
    assert call(node, "GET", hidden + "/history", tokens["alex"]).status_code == 404
    assert call(node, "PATCH", hidden, tokens["alex"], {"priority": "low"}).status_code == 404
    assert call(node, "POST", hidden + "/comments", tokens["alex"], {"text": "hi"}).status_code == 404
    assert call(node, "POST", f"/v1/tickets/{mine}/merge", tokens["alex"], {"into": theirs}).status_code == 404
    # Visible, but an agent changes only their own and unassigned tickets.
    assert call(node, "PATCH", f"/v1/tickets/{team}", tokens["alex"], {"priority": "low"}).status_code == 403
    assert call(node, "POST", f"/v1/tickets/{team}/comments", tokens["alex"], {"text": "Note", "internal": True}).status_code == 201
    assert call(node, "PATCH", f"/v1/tickets/{unassigned}", tokens["alex"], {"assignee": "bo"}).status_code == 403
    assert ok(call(node, "PATCH", f"/v1/tickets/{unassigned}", tokens["alex"], {"assignee": "alex"}))["status"] == "open"
    assert call(node, "GET", "/v1/tickets?assignee=alex", tokens["alex"]).json()["items"][0]["id"] in {mine, unassigned}
    # Agents read policies and calendars but do not manage them.
    assert call(node, "GET", "/v1/sla-policies", tokens["alex"]).status_code == 200
    assert call(node, "POST", "/v1/sla-policies", tokens["alex"], {"name": "X", "targets": {}}).status_code == 403
    assert around_the_clock_calendar(cluster, node, tokens["alex"]).status_code == 403


def test_merges_updates_and_bad_requests(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    customer = ok(call(node, "POST", "/v1/customers", cluster.token, {"name": "Jo"}), 201)
    key = str(uuid.uuid4())
    body = {"subject": "Duplicate", "requester": customer["id"], "priority": "high", "type": "incident",
            "fields": {"order": "A-1"}, "watchers": ["sam"]}
    first = call(node, "POST", "/v1/tickets", tokens["sam"], body, key=key)
    again = call(cluster.nodes[3], "POST", "/v1/tickets", tokens["sam"], body, key=key)
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    source = first.json()["id"]
    target = create_ticket(cluster, node, customer["id"])["id"]
    ok(call(node, "POST", f"/v1/tickets/{source}/comments", tokens["sam"], {"text": "Tracking number 42"}), 201)
    merged = ok(call(node, "POST", f"/v1/tickets/{source}/merge", tokens["sam"], {"into": target}))
    assert merged["id"] == target and merged["lastCommentSeq"] == 1
    closed = ok(call(node, "GET", f"/v1/tickets/{source}", tokens["sam"]))
    assert closed["status"] == "closed" and closed["mergedInto"] == target
    note = ok(call(node, "GET", f"/v1/tickets/{target}/comments", tokens["sam"]))["items"][0]
    assert note["internal"] and "Tracking number 42" in note["text"]
    assert call(node, "POST", f"/v1/tickets/{target}/merge", tokens["sam"], {"into": target}).status_code == 400
    assert call(node, "POST", f"/v1/tickets/{target}/merge", tokens["sam"], {"into": source}).status_code == 409
    assert call(node, "PATCH", f"/v1/tickets/{source}", tokens["sam"], {"priority": "low"}).status_code == 409
    ok(call(node, "PATCH", f"/v1/tickets/{target}", tokens["sam"], {"status": "pending"}))
    assert call(node, "PATCH", f"/v1/tickets/{target}", tokens["sam"], {"status": "new"}).status_code == 409
    assert call(node, "PATCH", f"/v1/tickets/{target}", tokens["sam"], {"stauts": "open"}).status_code == 400
    assert call(node, "GET", "/v1/tickets?status=lost", tokens["sam"]).status_code == 400
    assert call(node, "GET", "/v1/tickets/nope", tokens["sam"]).status_code == 404
    unknown_zone = call(node, "POST", "/v1/business-calendars", tokens["sam"], {
        "name": "X", "timeZone": "Mars/Olympus_Mons",
        "openingHours": [{"weekday": 1, "startMinuteOfDay": 540, "endMinuteOfDay": 1020}]})
    assert unknown_zone.status_code == 400 and "time zone" in unknown_zone.json()["error"]["message"]
    assert call(node, "POST", "/v1/sla-policies", tokens["sam"],
                {"name": "X", "targets": {"asap": {"firstResponseMinutes": 5}}}).status_code == 400
    assert call(node, "POST", "/v1/sla-policies", tokens["sam"],
                {"name": "X", "targets": {}, "calendarID": "nope"}).status_code == 404
    ok(around_the_clock_calendar(cluster, node, tokens["sam"]), 201)
    renamed = ok(call(node, "PATCH", "/v1/business-calendars/berlin", tokens["sam"], {"name": "Berlin, re-saved"}))
    assert renamed["name"] == "Berlin, re-saved" and renamed["timeZone"] == "Europe/Berlin" and renamed["offsetChanges"]
    moved = ok(call(node, "PATCH", "/v1/business-calendars/berlin", tokens["sam"], {"timeZone": "Asia/Shanghai"}))
    assert moved["offsetChanges"] == [{"utcSeconds": 946684800, "offsetSeconds": 28800}]
    assert call(node, "PATCH", "/v1/business-calendars/nope", tokens["sam"], {"name": "X"}).status_code == 404
    policy = ok(call(node, "POST", "/v1/sla-policies", tokens["sam"], {"name": "P", "targets": {}}), 201)
    patched = ok(call(node, "PATCH", f"/v1/sla-policies/{policy['id']}", tokens["sam"],
                      {"calendarID": "berlin", "reminderMinutes": 30}))
    assert patched["calendarID"] == "berlin" and patched["reminderMinutes"] == 30
    cleared = ok(call(node, "PATCH", f"/v1/sla-policies/{policy['id']}", tokens["sam"], {"reminderMinutes": None}))
    assert "reminderMinutes" not in cleared
    assert [p["id"] for p in ok(call(node, "GET", "/v1/sla-policies", tokens["bo"]))["items"]] == [policy["id"]]
    assert ok(call(node, "GET", "/v1/business-calendars/berlin", tokens["bo"]))["id"] == "berlin"


def test_listing_by_several_statuses_and_by_words(desk):
    cluster, tokens = desk
    first, second = cluster.nodes[1], cluster.nodes[2]
    requester = open_conversation(cluster, first, "visitor-search")["customerID"]
    kettle = create_ticket(cluster, first, requester, subject="Broken kettle", tags=["appliance"])
    create_ticket(cluster, first, requester, subject="Invoice copy", assignee="alex")
    toaster = create_ticket(cluster, first, requester, subject="Broken toaster")
    ok(call(first, "PATCH", f"/v1/tickets/{toaster['id']}", cluster.token, {"status": "solved"}))

    def listed(query):
        return [t["subject"] for t in ok(call(second, "GET", "/v1/tickets?" + query, tokens["sam"]))["items"]]

    assert sorted(listed("status=new,open")) == ["Broken kettle", "Invoice copy"]
    assert listed("q=BROKEN%20kettle") == ["Broken kettle"]
    assert sorted(listed("q=broken")) == ["Broken kettle", "Broken toaster"]
    assert listed("q=broken&status=new,open,pending,onHold") == ["Broken kettle"]
    assert listed("q=ada%20appliance") == ["Broken kettle"], "requester name and tags are searched"
    assert listed("q=refrigerator") == []
    assert call(second, "GET", "/v1/tickets?status=new,lost", tokens["sam"]).status_code == 400
    assert call(second, "GET", "/v1/tickets?q=" + "x" * 201, tokens["sam"]).status_code == 400
    assert kettle["status"] == "new"
