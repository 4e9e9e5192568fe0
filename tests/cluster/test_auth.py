"""Staff sign-in, role-scoped tokens, what each role may see and do, and per-viewer events,
over real nodes: a token issued by one node works on every node."""
import asyncio
import json
import uuid

import pytest
import requests
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

PASSWORD = "correct horse battery"


def call(node, method, path, token, body=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.request(method, node.url + path, json=body, headers=headers, timeout=5)


def login(node, email, password=PASSWORD):
    return requests.post(node.url + "/v1/auth/login", json={"email": email, "password": password}, timeout=10)


def create_staff(cluster, node, staff_id, role, teams=()):
    reply = call(node, "POST", "/v1/agents", cluster.token, {
        "id": staff_id, "email": f"{staff_id}@example.com", "name": staff_id.title(), "role": role,
        "password": PASSWORD, "languages": ["en"], "skills": {"billing": 3}, "teamIDs": list(teams)})
    assert reply.status_code == 201, reply.text
    return reply.json()


@pytest.fixture
def desk(cluster_factory):
    """Three nodes, a team, an admin, a supervisor and two agents signed in on different nodes."""
    cluster = cluster_factory().start()
    first, second, third = cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]
    assert call(first, "POST", "/v1/teams", cluster.token, {"id": "billing", "name": "Billing"}).status_code == 201
    for staff_id, role, teams in [("ada", "admin", ()), ("sam", "supervisor", ()), ("alex", "agent", ("billing",)),
                                  ("bo", "agent", ())]:
        create_staff(cluster, first, staff_id, role, teams)
    tokens = {}
    for staff_id, node in [("ada", second), ("sam", third), ("alex", second), ("bo", third)]:
        reply = login(node, f"{staff_id}@example.com")
        assert reply.status_code == 200, reply.text
        assert "passwordHash" not in reply.json()["user"]
        tokens[staff_id] = reply.json()["token"]
    return cluster, tokens


def open_conversation(cluster, node, external_id, **fields):
    reply = call(node, "POST", "/v1/conversations", cluster.token,
                 {"customer": {"externalId": external_id}, "channel": "web", **fields})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def test_login_works_on_every_node_and_bad_credentials_do_not(desk):
    cluster, tokens = desk
    for node in cluster.nodes.values():
        me = call(node, "GET", "/v1/auth/me", tokens["alex"])
        assert me.status_code == 200 and me.json()["user"]["id"] == "alex" and me.json()["role"] == "agent"
    first = cluster.nodes[1]
    wrong = login(first, "alex@example.com", "not the password")
    unknown = login(first, "nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "invalid_credentials"
    assert call(first, "GET", "/v1/auth/me", tokens["alex"][:-2] + "xx").status_code == 401
    assert call(first, "GET", "/v1/auth/me", "not-a-token").status_code == 401


def test_repeated_failures_are_throttled(desk):
    cluster, _ = desk
    node = cluster.nodes[1]
    codes = [login(node, "bo@example.com", "wrong password!").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    blocked = login(node, "bo@example.com")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_roles_limit_what_staff_may_do(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    forbidden = call(node, "POST", "/v1/agents", tokens["alex"], {
        "email": "x@example.com", "name": "X", "password": PASSWORD})
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
    assert call(node, "POST", "/v1/teams", tokens["sam"], {"name": "Nope"}).status_code == 403
    assert call(node, "PUT", "/v1/registers/k", tokens["sam"], {"value": "v"}).status_code == 403
    assert call(node, "POST", "/v1/cluster/members", tokens["sam"], {"id": "9", "peerAddress": "127.0.0.99:1"}).status_code == 403
    assert call(node, "GET", "/v1/cluster", tokens["alex"]).status_code == 403
    assert call(node, "GET", "/v1/cluster", tokens["sam"]).status_code == 200
    # An agent changes their own name but not their role.
    assert call(node, "PATCH", "/v1/agents/alex", tokens["alex"], {"name": "Alexandra"}).status_code == 200
    assert call(node, "PATCH", "/v1/agents/alex", tokens["alex"], {"role": "admin"}).status_code == 403
    assert call(node, "PATCH", "/v1/agents/bo", tokens["alex"], {"name": "Bob"}).status_code == 403
    # Supervisors manage canned responses; agents read them.
    canned = call(node, "POST", "/v1/canned-responses", tokens["sam"],
                  {"title": "Greeting", "text": "Hello! How can I help?", "shortcut": "hi", "teamID": "billing"})
    assert canned.status_code == 201, canned.text
    assert call(node, "POST", "/v1/canned-responses", tokens["alex"],
                {"title": "X", "text": "Y", "shortcut": "x"}).status_code == 403
    listed = call(node, "GET", "/v1/canned-responses?team=billing", tokens["alex"]).json()["items"]
    assert [c["shortcut"] for c in listed] == ["hi"]
    # The audit log records who did what, for admins only.
    assert call(node, "GET", "/v1/audit", tokens["alex"]).status_code == 403
    actions = [e["action"] for e in call(node, "GET", "/v1/audit?limit=500", tokens["ada"]).json()["items"]]
    assert "staff.create" in actions and "canned_response.create" in actions


def test_agents_see_their_own_unassigned_and_team_conversations_only(desk):
    cluster, tokens = desk
    node = cluster.nodes[1]
    mine = open_conversation(cluster, node, "v-mine")
    theirs = open_conversation(cluster, node, "v-theirs")
    team = open_conversation(cluster, node, "v-team", team="billing")
    unassigned = open_conversation(cluster, node, "v-open")
    for conversation, assignee in [(mine, "alex"), (theirs, "bo"), (team, "bo")]:
        assert call(node, "PATCH", f"/v1/conversations/{conversation}", tokens["sam"],
                    {"assignee": assignee}).status_code == 200
    visible = {c["id"] for c in call(node, "GET", "/v1/conversations?limit=100", tokens["alex"]).json()["items"]}
    assert visible == {mine, team, unassigned}
    assert call(node, "GET", f"/v1/conversations/{theirs}", tokens["alex"]).status_code == 404
    assert call(node, "GET", f"/v1/conversations/{theirs}/messages", tokens["alex"]).status_code == 404
    refused = call(node, "POST", f"/v1/conversations/{theirs}/messages", tokens["alex"], {"text": "hi"})
    assert refused.status_code == 404
    everything = {c["id"] for c in call(node, "GET", "/v1/conversations?limit=100", tokens["sam"]).json()["items"]}
    assert {mine, theirs, team, unassigned} <= everything
    # Staff post as themselves; claiming to be someone else is refused.
    reply = call(node, "POST", f"/v1/conversations/{mine}/messages", tokens["alex"], {"text": "On it"})
    assert reply.status_code == 201 and reply.json()["author"] == {"type": "agent", "id": "alex"}
    spoof = call(node, "POST", f"/v1/conversations/{mine}/messages", tokens["alex"],
                 {"author": {"type": "agent", "id": "bo"}, "text": "I am Bo"})
    assert spoof.status_code == 403


def test_presence_is_replicated_and_filterable(desk):
    cluster, tokens = desk
    assert call(cluster.nodes[2], "PUT", "/v1/agents/alex/status", tokens["alex"], {"status": "online"}).status_code == 200
    assert call(cluster.nodes[2], "PUT", "/v1/agents/bo/status", tokens["alex"], {"status": "away"}).status_code == 403
    assert call(cluster.nodes[3], "PUT", "/v1/agents/bo/status", tokens["sam"], {"status": "away"}).status_code == 200
    for node in cluster.nodes.values():
        online = call(node, "GET", "/v1/agents?status=online", tokens["bo"]).json()["items"]
        assert [a["id"] for a in online] == ["alex"]
        assert all("passwordHash" not in a for a in online)
    team = call(cluster.nodes[1], "GET", "/v1/agents?team=billing", tokens["bo"]).json()["items"]
    assert [a["id"] for a in team] == ["alex"]


def test_password_change_and_deactivation_revoke_tokens(desk):
    cluster, tokens = desk
    node = cluster.nodes[3]
    changed = call(node, "PATCH", "/v1/agents/bo", tokens["bo"], {"password": "a brand new password"})
    assert changed.status_code == 200, changed.text
    assert call(node, "GET", "/v1/auth/me", tokens["bo"]).status_code == 401
    assert login(node, "bo@example.com").status_code == 401
    fresh = login(node, "bo@example.com", "a brand new password")
    assert fresh.status_code == 200
    assert call(node, "PATCH", "/v1/agents/bo", tokens["ada"], {"active": False}).status_code == 200
    for each in cluster.nodes.values():
        cluster.wait_until(lambda: call(each, "GET", "/v1/auth/me", fresh.json()["token"]).status_code == 401,
                           "the deactivation to reach every node")
    assert login(node, "bo@example.com", "a brand new password").status_code == 401
    weak = call(node, "PATCH", "/v1/agents/alex", tokens["alex"], {"password": "short"})
    assert weak.status_code == 400
    # Another user's password: refused before the password is looked at (or hashed, which
    # costs a core half a second), so a weak one is 403 too, not 400.
    for password in ["short", "a brand new password"]:
        other = call(node, "PATCH", "/v1/agents/alex", tokens["sam"], {"password": password})
        assert other.status_code == 403 and other.json()["error"]["message"] == "only an admin may change another staff user"


def test_bodies_with_unknown_fields_or_wrong_shapes_are_refused(desk):
    cluster, tokens = desk
    node = cluster.nodes[1]
    typo = call(node, "PATCH", "/v1/agents/alex", tokens["ada"], {"nmae": "Typo"})
    assert typo.status_code == 400 and "nmae" in typo.json()["error"]["message"]
    assert call(node, "POST", "/v1/teams", tokens["ada"], ["not", "an", "object"]).status_code == 400
    assert call(node, "GET", "/v1/agents?limit=0", tokens["ada"]).status_code == 400
    assert call(node, "GET", "/v1/agents/nobody", tokens["ada"]).status_code == 404
    huge = requests.post(node.url + "/v1/customers", data=b"{" + b" " * (2 << 20) + b"}",
                         headers={"Authorization": f"Bearer {tokens['ada']}", "Content-Type": "application/json"},
                         timeout=10)
    assert huge.status_code == 413
    customers = call(node, "GET", "/v1/customers?limit=500", tokens["ada"]).json()["items"]
    assert customers == []


def test_customers_are_created_searched_and_updated(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    created = call(node, "POST", "/v1/customers", tokens["alex"],
                   {"name": "Li Wei", "email": "li@example.com", "externalIDs": {"wechat": "wx-9"}, "tier": "vip"})
    assert created.status_code == 201, created.text
    customer = created.json()
    found = call(cluster.nodes[3], "GET", "/v1/customers?email=LI@example.com", tokens["bo"]).json()["items"]
    assert [c["id"] for c in found] == [customer["id"]]
    assert [c["id"] for c in call(node, "GET", "/v1/customers?q=wei", tokens["bo"]).json()["items"]] == [customer["id"]]
    updated = call(node, "PATCH", f"/v1/customers/{customer['id']}", tokens["alex"], {"email": None, "language": "zh"})
    assert updated.status_code == 200 and "email" not in updated.json() or updated.json().get("email") is None
    assert call(node, "GET", f"/v1/customers/{customer['id']}", tokens["bo"]).json()["language"] == "zh"


async def collect(node, token, seconds, ticket=None):
    url = node.url.replace("http://", "ws://") + "/v1/events?after=0"
    headers = {}
    if ticket:
        url += f"&ticket={ticket}"
    else:
        headers["Authorization"] = f"Bearer {token}"
    events = []
    async with connect(url, additional_headers=headers) as socket:
        try:
            while True:
                events.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=seconds)))
        except asyncio.TimeoutError:
            return events


def test_event_streams_show_each_viewer_only_what_they_may_see(desk):
    cluster, tokens = desk
    node = cluster.nodes[1]
    mine = open_conversation(cluster, node, "e-mine")
    theirs = open_conversation(cluster, node, "e-theirs")
    for conversation, assignee in [(mine, "alex"), (theirs, "bo")]:
        call(node, "PATCH", f"/v1/conversations/{conversation}", tokens["sam"], {"assignee": assignee})
    call(node, "POST", f"/v1/conversations/{theirs}/messages", tokens["bo"], {"text": "secret reply"})
    call(node, "POST", f"/v1/conversations/{mine}/messages", tokens["alex"], {"text": "hello"})
    call(node, "POST", f"/v1/conversations/{mine}/messages", tokens["sam"], {"text": "coaching note", "internal": True})

    alex_events = asyncio.run(collect(cluster.nodes[3], tokens["alex"], 1.5))
    texts = [e["data"]["text"] for e in alex_events if e["type"] == "message.created"]
    assert texts == ["hello", "coaching note"]
    assert theirs not in {e.get("conversationId") for e in alex_events if e["type"] == "message.created"}

    sam_events = asyncio.run(collect(cluster.nodes[2], tokens["sam"], 1.5))
    assert [e["data"]["text"] for e in sam_events if e["type"] == "message.created"] == [
        "secret reply", "hello", "coaching note"]

    # A browser cannot set headers on a WebSocket: it trades its token for a short ticket.
    ticket = call(node, "POST", "/v1/auth/ticket", tokens["alex"]).json()["ticket"]
    by_ticket = asyncio.run(collect(cluster.nodes[2], None, 1.5, ticket=ticket))
    assert [e["seq"] for e in by_ticket] == [e["seq"] for e in alex_events]
    with pytest.raises(InvalidStatus):
        asyncio.run(collect(cluster.nodes[2], None, 1, ticket=tokens["alex"]))
    with pytest.raises(InvalidStatus):
        asyncio.run(collect(cluster.nodes[2], "wrong-token", 1))
