"""Channels through the business's gateway, both ways. Out: the owner of the ticket's (or
conversation's) slot posts each outbox item to the channel's webhook, signed, retries after a
failure, records how it went, and a new owner takes over when the owner dies. In: the gateway
brings customers' messages in, signed with the same secret."""
import concurrent.futures
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from test_slot_failover import slot_of


class Gateway:
    """A channel gateway on loopback that records every POST and answers with the status
    `answer` gives for the delivery id and its attempt number."""

    def __init__(self, answer):
        self.answer = answer
        self.posts = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with gateway.lock:
                    gateway.posts.append((dict(self.headers), body))
                    attempts = sum(1 for headers, _ in gateway.posts
                                   if headers["X-Switchboard-Delivery"] == self.headers["X-Switchboard-Delivery"])
                self.send_response(gateway.answer(self.headers["X-Switchboard-Delivery"], attempts))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self):
        with self.lock:
            return list(self.posts)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway_factory():
    gateways = []

    def make(answer):
        gateways.append(Gateway(answer))
        return gateways[-1]

    yield make
    for gateway in gateways:
        gateway.close()


def call(node, method, path, token, body=None):
    return requests.request(method, node.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def outbox_item(node, token, ticket_id):
    items = ok(call(node, "GET", f"/v1/outbox?ticket={ticket_id}", token))["items"]
    return items[0] if items else None


def reply_on_a_new_ticket(cluster, node, text, wechat_id=None):
    """A WeChat customer's ticket with one public reply: one outbox item on channel wechat."""
    token = cluster.token
    wechat_id = wechat_id or f"wx-{uuid.uuid4()}"
    customer = ok(call(node, "POST", "/v1/customers", token, {"name": "Li Wei", "externalIDs": {"wechat": wechat_id}}), 201)
    ticket = ok(call(node, "POST", "/v1/tickets", token, {"subject": "Parcel", "requester": customer["id"], "channel": "wechat"}), 201)
    agent = call(node, "POST", "/v1/agents", token, {
        "id": "alex", "email": "alex@example.com", "name": "Alex", "role": "agent", "password": "correct horse battery"})
    assert agent.status_code in (201, 409), agent.text
    ok(call(node, "POST", f"/v1/tickets/{ticket['id']}/comments", token,
            {"author": {"type": "agent", "id": "alex"}, "text": text}), 201)
    return ticket


def test_a_reply_is_posted_signed_retried_after_a_failure_and_recorded(cluster_factory, gateway_factory):
    gateway = gateway_factory(lambda delivery, attempt: 503 if attempt == 1 else 204)
    cluster = cluster_factory().start()
    first, second = cluster.nodes[1], cluster.nodes[2]
    token = cluster.token
    cluster.wait_until(lambda: (m := first.status()) and all(member["slots"] for member in m["members"]), "slots assigned")
    ticket = reply_on_a_new_ticket(cluster, first, "Your parcel is on its way.", wechat_id="wx-42")
    # Without a webhook the item waits.
    time.sleep(1)
    assert outbox_item(first, token, ticket["id"])["status"] == "pending" and not gateway.received()

    created = ok(call(second, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url}), 201)
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["url"] == gateway.url
    item = cluster.wait_until(
        lambda: (found := outbox_item(first, token, ticket["id"])) and found["status"] == "delivered" and found,
        "the item to be delivered", timeout=20)
    assert item["attempts"] == 2 and "deliveredAt" in item and "HTTP 503" in item["lastError"]
    assert [found["id"] for found in ok(call(second, "GET", "/v1/outbox?status=delivered", token))["items"]] == [item["id"]]
    assert ok(call(second, "GET", "/v1/outbox?status=failed", token))["items"] == []
    assert call(second, "GET", "/v1/outbox?status=lost", token).status_code == 400

    posts = gateway.received()
    assert len(posts) == 2
    for attempt, (headers, body) in enumerate(posts, start=1):
        assert headers["X-Switchboard-Delivery"] == item["id"]
        timestamp = headers["X-Switchboard-Timestamp"]
        assert abs(int(timestamp) - time.time()) < 60
        expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Switchboard-Signature"], expected)
        payload = json.loads(body)
        assert payload["id"] == item["id"] and payload["attempt"] == attempt and payload["kind"] == "reply"
        assert payload["channel"] == "wechat" and payload["ticketId"] == ticket["id"]
        assert payload["text"] == "Your parcel is on its way."
        assert payload["customer"]["externalId"] == "wx-42" and payload["customer"]["name"] == "Li Wei"

    listed = ok(call(first, "GET", "/v1/channels/webhooks", token))["items"]
    assert listed == [{"channel": "wechat", "url": gateway.url, "createdAt": listed[0]["createdAt"],
                       "updatedAt": listed[0]["updatedAt"]}]
    assert ok(call(first, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url})).get("secret") is None
    # A retry of the creating request (same Idempotency-Key) answers the first result, secret included.
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "create-email-hook"}
    made = requests.put(first.url + "/v1/channels/email/webhook", json={"url": gateway.url}, headers=headers, timeout=5)
    retried = requests.put(first.url + "/v1/channels/email/webhook", json={"url": gateway.url}, headers=headers, timeout=5)
    assert made.status_code == 201 and retried.status_code == 200 and retried.json()["secret"] == made.json()["secret"]
    ok(call(first, "DELETE", "/v1/channels/email/webhook", token))
    rotated = ok(call(first, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url, "rotateSecret": True}))
    assert rotated["secret"] != secret
    assert call(first, "PUT", "/v1/channels/fax/webhook", token, {"url": gateway.url}).status_code == 400
    assert call(first, "PUT", "/v1/channels/email/webhook", token, {"url": "ftp://x"}).status_code == 400
    assert call(first, "PUT", "/v1/channels/email/webhook", token, {"url": gateway.url, "color": "red"}).status_code == 400
    assert ok(call(first, "DELETE", "/v1/channels/wechat/webhook", token))["channel"] == "wechat"
    assert ok(call(first, "GET", "/v1/channels/webhooks", token))["items"] == []


def test_a_delivery_failing_when_its_slot_owner_dies_is_made_by_the_next_owner(cluster_factory, gateway_factory):
    accepting = threading.Event()
    gateway = gateway_factory(lambda delivery, attempt: 200 if accepting.is_set() else 500)
    cluster = cluster_factory().start()
    token = cluster.token
    leader = cluster.leader()
    ok(call(leader, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url}), 201)
    members = cluster.wait_until(
        lambda: (m := leader.status()) and all(member["slots"] for member in m["members"]) and m["members"], "slots assigned")
    owner_of = {slot: int(member["id"]) for member in members for slot in member["slots"]}
    # A ticket whose slot a follower owns, so that the leader stays and the slot moves.
    for _ in range(50):
        ticket = reply_on_a_new_ticket(cluster, leader, "Still looking into it.")
        if owner_of[slot_of(ticket["id"])] != leader.id:
            break
    owner = cluster.nodes[owner_of[slot_of(ticket["id"])]]
    assert owner is not leader
    cluster.wait_until(lambda: (outbox_item(leader, token, ticket["id"]) or {}).get("attempts", 0) >= 1, "a failed attempt")
    owner.kill()
    accepting.set()
    item = cluster.wait_until(
        lambda: (found := outbox_item(leader, token, ticket["id"])) and found["status"] == "delivered" and found,
        "the next owner to deliver", timeout=30)
    assert item["attempts"] >= 2
    assert any(headers["X-Switchboard-Delivery"] == item["id"] for headers, _ in gateway.received())
    status = leader.status()
    assert slot_of(ticket["id"]) not in next(m["slots"] for m in status["members"] if m["id"] == str(owner.id))


def test_an_agent_message_to_a_wechat_customer_is_posted_to_the_wechat_gateway(cluster_factory, gateway_factory):
    """A WeChat customer does not read the conversation live: what staff write there (not
    their internal notes, not the customer's own messages) leaves through the gateway."""
    gateway = gateway_factory(lambda delivery, attempt: 200)
    cluster = cluster_factory().start()
    node = cluster.nodes[3]
    token = cluster.token
    secret = ok(call(node, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url}), 201)["secret"]
    agent = call(node, "POST", "/v1/agents", token, {
        "id": "alex", "email": "alex@example.com", "name": "Alex", "role": "agent", "password": "correct horse battery"})
    assert agent.status_code == 201, agent.text
    conversation = ok(call(node, "POST", "/v1/conversations", token,
                           {"customer": {"externalId": "wx-9", "name": "Li Wei"}, "channel": "wechat"}), 201)
    path = f"/v1/conversations/{conversation['id']}/messages"
    ok(call(node, "POST", path, token, {"author": {"type": "customer"}, "text": "Is it in stock?"}), 201)
    ok(call(node, "POST", path, token, {"author": {"type": "agent", "id": "alex"}, "text": "checking", "internal": True}), 201)
    sent = ok(call(node, "POST", path, token, {"author": {"type": "agent", "id": "alex"}, "text": "Yes, 3 left."}), 201)
    cluster.wait_until(lambda: gateway.received(), "the gateway to get the message")
    time.sleep(1)
    posts = gateway.received()
    assert len(posts) == 1
    headers, body = posts[0]
    expected = "v1=" + hmac.new(secret.encode(), headers["X-Switchboard-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Switchboard-Signature"], expected)
    payload = json.loads(body)
    assert payload["kind"] == "message" and payload["text"] == "Yes, 3 left." and "ticketId" not in payload
    assert payload["conversationId"] == conversation["id"] and payload["messageId"] == sent["id"]
    assert payload["customer"]["externalId"] == "wx-9"
    item = cluster.wait_until(
        lambda: (found := ok(call(node, "GET", "/v1/outbox?status=delivered", token))["items"]) and found[0], "delivered")
    assert item["conversationID"] == conversation["id"] and item["messageID"] == sent["id"]
    # Staff who see the conversation read how its messages went out; a customer does not.
    deliveries = ok(call(node, "GET", f"/v1/conversations/{conversation['id']}/deliveries", token))["items"]
    assert [(d["messageID"], d["status"]) for d in deliveries] == [(sent["id"], "delivered")]
    login = requests.post(node.url + "/v1/auth/login", json={"email": "alex@example.com", "password": "correct horse battery"}, timeout=10)
    alex = ok(login)["token"]
    assert call(node, "GET", f"/v1/conversations/{conversation['id']}/deliveries", alex).status_code in (200, 404)
    assert call(node, "GET", "/v1/conversations/nope/deliveries", token).status_code == 404


def signed(secret, payload, timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    signature = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Switchboard-Timestamp": timestamp, "X-Switchboard-Signature": signature}


def test_a_wechat_customer_writes_in_through_the_gateway_and_gets_the_agents_answer_back(cluster_factory, gateway_factory):
    """The gateway posts a customer's WeChat message, signed with the channel's secret: it
    opens a conversation for the customer (known by their OpenID), the same message posted
    again is taken once, the next one joins the conversation, and the agent's answer leaves
    through the gateway. Unsigned, badly signed, stale and unknown-channel posts change nothing."""
    gateway = gateway_factory(lambda delivery, attempt: 200)
    cluster = cluster_factory().start()
    leader = cluster.leader()
    follower = next(node for node in cluster.nodes.values() if node is not leader)
    token = cluster.token
    secret = ok(call(leader, "PUT", "/v1/channels/wechat/webhook", token, {"url": gateway.url}), 201)["secret"]
    inbound = f"{follower.url}/v1/channels/wechat/inbound"
    first = {"messageId": "wx-msg-1", "customer": {"externalId": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "name": "Li Wei",
                                                    "language": "zh-CN"}, "text": "我的包裹在哪里？"}

    body, headers = signed(secret, first)
    assert requests.post(inbound, data=body, headers={"Content-Type": "application/json"}, timeout=5).status_code == 401
    assert requests.post(inbound, data=body, headers={**headers, "X-Switchboard-Signature": "v1=" + "0" * 64},
                         timeout=5).status_code == 401
    stale_body, stale_headers = signed(secret, first, timestamp=str(int(time.time()) - 3600))
    assert requests.post(inbound, data=stale_body, headers=stale_headers, timeout=5).status_code == 401
    assert requests.post(f"{follower.url}/v1/channels/email/inbound", data=body, headers=headers, timeout=5).status_code == 404
    assert ok(call(leader, "GET", "/v1/customers?limit=100", token))["items"] == []

    created = requests.post(inbound, data=body, headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    message = created.json()
    again = requests.post(inbound, data=body, headers=headers, timeout=5)
    assert again.status_code == 200 and again.json()["id"] == message["id"]
    body, headers = signed(secret, {**first, "messageId": "wx-msg-2", "text": "订单号 A-1"})
    second = requests.post(inbound, data=body, headers=headers, timeout=5)
    assert second.status_code == 201, second.text
    assert second.json()["conversationID"] == message["conversationID"]

    conversation = ok(call(leader, "GET", f"/v1/conversations/{message['conversationID']}", token))
    customer = ok(call(leader, "GET", f"/v1/customers/{conversation['customerID']}", token))
    assert conversation["channel"] == "wechat" and customer["externalIDs"] == {"wechat": first["customer"]["externalId"]}
    assert customer["name"] == "Li Wei" and customer["language"] == "zh-CN"
    texts = [m["text"] for m in ok(call(leader, "GET", f"/v1/conversations/{message['conversationID']}/messages", token))["items"]]
    assert texts == ["我的包裹在哪里？", "订单号 A-1"]

    agent = call(leader, "POST", "/v1/agents", token, {
        "id": "alex", "email": "alex@example.com", "name": "Alex", "role": "agent", "password": "correct horse battery"})
    assert agent.status_code == 201, agent.text
    ok(call(leader, "POST", f"/v1/conversations/{message['conversationID']}/messages", token,
            {"author": {"type": "agent", "id": "alex"}, "text": "明天送达。"}), 201)
    cluster.wait_until(lambda: gateway.received(), "the answer at the gateway")
    payload = json.loads(gateway.received()[0][1])
    assert payload["text"] == "明天送达。" and payload["customer"]["externalId"] == first["customer"]["externalId"]


def test_first_messages_of_a_new_customer_brought_in_at_once_on_every_node_open_one_conversation(cluster_factory, gateway_factory):
    gateway = gateway_factory(lambda delivery, attempt: 200)
    cluster = cluster_factory().start()
    token = cluster.token
    secret = ok(call(cluster.leader(), "PUT", "/v1/channels/messenger/webhook", token, {"url": gateway.url}), 201)["secret"]
    nodes = list(cluster.nodes.values())

    def bring_in(number):
        body, headers = signed(secret, {"messageId": f"mid.{number}", "customer": {"externalId": "psid-5551"},
                                        "text": f"message {number}"})
        return requests.post(f"{nodes[number % len(nodes)].url}/v1/channels/messenger/inbound", data=body, headers=headers, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(bring_in, range(6)))
    assert [reply.status_code for reply in replies] == [201] * 6, [reply.text for reply in replies]
    assert len({reply.json()["conversationID"] for reply in replies}) == 1
    customers = ok(call(nodes[0], "GET", "/v1/customers?limit=100", token))["items"]
    assert [customer["externalIDs"] for customer in customers] == [{"messenger": "psid-5551"}]
