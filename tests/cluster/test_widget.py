"""Website visitors through a widget: a session without a password, their own conversations
only, live events without internal notes, typing and read marks — on any node."""
import asyncio
import json

import requests
from websockets.asyncio.client import connect


def call(node, method, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, node.url + path, json=body, headers=headers, timeout=5)


def make_widget(cluster, node):
    assert call(node, "POST", "/v1/teams", cluster.token, {"id": "web", "name": "Web"}).status_code == 201
    widget = call(node, "POST", "/v1/widgets", cluster.token,
                  {"name": "Shop", "queue": "sales", "team": "web", "greeting": "Hi! How can we help?"})
    assert widget.status_code == 201, widget.text
    assert widget.json()["publicKey"].startswith("wk_")
    return widget.json()


def test_a_visitor_chats_from_any_node_and_sees_only_their_own(cluster_factory):
    cluster = cluster_factory().start()
    first, second, third = cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]
    widget = make_widget(cluster, first)
    session = call(second, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"], "name": "Ada"})
    assert session.status_code == 200, session.text
    visitor = session.json()
    assert visitor["widget"]["greeting"] == "Hi! How can we help?" and len(visitor["visitorId"]) >= 22
    token = visitor["token"]
    # The same visitor id comes back as the same customer, on another node.
    again = call(third, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"], "visitorId": visitor["visitorId"]})
    assert again.json()["customerId"] == visitor["customerId"]

    opened = call(third, "POST", "/v1/conversations", token, {"subject": "Where is my parcel?"})
    assert opened.status_code == 201, opened.text
    conversation = opened.json()
    assert conversation["customerID"] == visitor["customerId"] and conversation["channel"] == "web"
    assert conversation["queue"] == "sales" and conversation["teamID"] == "web"
    path = f"/v1/conversations/{conversation['id']}/messages"
    assert call(first, "POST", path, token, {"text": "Hello?"}).status_code == 201
    assert call(first, "POST", path, cluster.token, {"author": {"type": "system"}, "text": "staff only", "internal": True}).status_code == 201
    assert call(first, "POST", path, cluster.token, {"author": {"type": "bot", "id": "helper"}, "text": "We are on it"}).status_code == 201
    texts = [m["text"] for m in call(second, "GET", path, token).json()["items"]]
    assert texts == ["Hello?", "We are on it"], "internal notes never reach customers"
    assert [c["id"] for c in call(second, "GET", "/v1/conversations", token).json()["items"]] == [conversation["id"]]

    # Another visitor sees nothing of it and cannot post to it.
    stranger = call(first, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"]}).json()["token"]
    assert call(first, "GET", f"/v1/conversations/{conversation['id']}", stranger).status_code == 404
    assert call(first, "POST", path, stranger, {"text": "hijack"}).status_code == 404
    assert call(first, "GET", "/v1/conversations", stranger).json()["items"] == []
    # Visitors have no staff powers.
    assert call(first, "GET", "/v1/agents", token).status_code == 403
    assert call(first, "GET", "/v1/customers", token).status_code == 403
    assert call(first, "PATCH", f"/v1/conversations/{conversation['id']}", token, {"status": "closed"}).status_code == 403
    assert call(first, "POST", path, token, {"text": "sneaky", "internal": True}).status_code == 403
    assert call(first, "GET", f"/v1/customers/{visitor['customerId']}", token).status_code == 200


def test_bad_widget_keys_and_visitor_ids_are_refused(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[1]
    widget = make_widget(cluster, node)
    assert call(node, "POST", "/v1/widget/sessions", body={"widgetKey": "wk_nope"}).status_code == 401
    bad_id = call(node, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"], "visitorId": "short"})
    assert bad_id.status_code == 400
    token = call(node, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"]}).json()["token"]
    me = call(node, "GET", "/v1/auth/me", token)
    assert me.status_code == 200 and me.json()["kind"] == "customer"
    assert call(node, "PATCH", f"/v1/widgets/{widget['id']}", cluster.token, {"active": False}).status_code == 200
    assert call(node, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"]}).status_code == 401
    for each in cluster.nodes.values():
        cluster.wait_until(lambda: call(each, "GET", "/v1/auth/me", token).status_code == 401,
                           "visitor tokens of a disabled widget to stop working everywhere")


async def visitor_events(node, ticket, count):
    events = []
    async with connect(node.url.replace("http://", "ws://") + f"/v1/events?after=0&ticket={ticket}") as socket:
        while len(events) < count:
            events.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=10)))
    return events


def test_visitor_events_typing_and_read_marks(cluster_factory):
    cluster = cluster_factory().start()
    first, second = cluster.nodes[1], cluster.nodes[2]
    widget = make_widget(cluster, first)
    token = call(first, "POST", "/v1/widget/sessions", body={"widgetKey": widget["publicKey"]}).json()["token"]
    conversation = call(first, "POST", "/v1/conversations", token, {}).json()["id"]
    path = f"/v1/conversations/{conversation}"
    other = call(first, "POST", "/v1/conversations", cluster.token,
                 {"customer": {"externalId": "someone-else"}, "channel": "email"}).json()["id"]
    call(first, "POST", f"/v1/conversations/{other}/messages", cluster.token, {"author": {"type": "customer"}, "text": "not yours"})
    assert call(first, "POST", path + "/typing", token, {}).status_code == 200
    call(first, "POST", path + "/messages", cluster.token, {"author": {"type": "system"}, "text": "note", "internal": True})
    call(first, "POST", path + "/messages", cluster.token, {"author": {"type": "bot", "id": "b"}, "text": "reply"})
    read = call(second, "POST", path + "/read", token, {"seq": 99})
    assert read.status_code == 200 and read.json()["customerReadSeq"] == 2

    ticket = call(second, "POST", "/v1/auth/ticket", token).json()["ticket"]
    events = asyncio.run(visitor_events(second, ticket, 5))
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["customer.created", "conversation.created"] and "conversation.typing" in kinds
    assert all(e.get("conversationId") in (None, conversation) for e in events)
    texts = [e["data"]["text"] for e in events if e["type"] == "message.created"]
    assert texts == ["reply"]
    assert events[-1]["type"] == "conversation.read"
