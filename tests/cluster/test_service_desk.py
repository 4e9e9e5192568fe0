"""The service desk API over real nodes: conversations and messages written through any node,
read back identically everywhere, with idempotent retries and clear errors."""
import concurrent.futures
import signal
import time
import uuid

import requests


def post(cluster, node, path, body, key=None):
    headers = dict(cluster.headers)
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(node.url + path, json=body, headers=headers, timeout=5)


def test_conversation_written_anywhere_reads_the_same_everywhere(cluster_factory):
    cluster = cluster_factory().start()
    first, second, third = cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]
    created = post(cluster, first, "/v1/conversations",
                   {"customer": {"externalId": "visitor-7", "name": "Ada"}, "channel": "web",
                    "language": "en", "subject": "Order status"})
    assert created.status_code == 201, created.text
    conversation = created.json()
    assert conversation["customer"]["name"] == "Ada" and conversation["status"] == "open"
    texts = []
    for index in range(12):
        node = [first, second, third][index % 3]
        author = {"type": "customer"} if index % 2 == 0 else {"type": "bot", "id": "helper"}
        reply = post(cluster, node, f"/v1/conversations/{conversation['id']}/messages",
                     {"author": author, "text": f"message {index}"}, key=str(uuid.uuid4()))
        assert reply.status_code == 201, reply.text
        assert reply.json()["seq"] == index + 1
        texts.append(f"message {index}")
    for node in cluster.nodes.values():
        listed = node.get(f"/v1/conversations/{conversation['id']}/messages").json()["items"]
        assert [m["text"] for m in listed] == texts
        assert [m["seq"] for m in listed] == list(range(1, 13))


def test_retried_message_with_the_same_key_is_applied_once(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[2]
    conversation = post(cluster, node, "/v1/conversations",
                        {"customer": {"externalId": "v1"}, "channel": "app"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    key = str(uuid.uuid4())
    first = post(cluster, node, path, {"author": {"type": "customer"}, "text": "hello"}, key=key)
    again = post(cluster, cluster.nodes[3], path, {"author": {"type": "customer"}, "text": "hello"}, key=key)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(node.get(path).json()["items"]) == 1


def test_bad_input_gets_a_clear_error_and_writes_nothing(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[1]
    headers = dict(cluster.headers, **{"Content-Type": "application/json"})
    malformed = requests.post(node.url + "/v1/conversations", data="{nope", headers=headers, timeout=5)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_request"
    assert malformed.json()["error"]["message"] == "the body is not valid JSON"
    wrong_type = post(cluster, node, "/v1/conversations", {"customer": {"externalId": 5}, "channel": "web"})
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error"]["message"] == 'wrong type for "customer.externalId"'
    unknown_channel = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "x"}, "channel": "fax"})
    assert unknown_channel.status_code == 400
    assert unknown_channel.json()["error"]["message"] == 'invalid value for "channel"'
    not_object = post(cluster, node, "/v1/conversations", ["a", "list"])
    assert not_object.status_code == 400 and not_object.json()["error"]["message"] == "the body must be a JSON object"
    misspelt = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "x"}, "chanel": "web"})
    assert misspelt.status_code == 400 and misspelt.json()["error"]["message"] == 'unknown field "chanel"'
    missing = post(cluster, node, "/v1/conversations/nope/messages", {"author": {"type": "customer"}, "text": "hi"})
    assert missing.status_code == 404
    huge = requests.post(node.url + "/v1/conversations", data=b"x" * (2 << 20), headers=headers, timeout=10)
    assert huge.status_code == 413
    assert node.get("/v1/conversations").json()["items"] == []


def test_conversation_status_and_queue_change_and_the_customer_is_readable(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[3]
    conversation = post(cluster, cluster.nodes[1], "/v1/conversations",
                        {"customer": {"externalId": "p1", "name": "Lin"}, "channel": "wechat", "queue": "sales"}).json()
    url = f"{node.url}/v1/conversations/{conversation['id']}"
    changed = requests.patch(url, json={"status": "pending", "priority": "high", "tags": ["vip"], "queue": None},
                             headers=cluster.headers, timeout=5)
    assert changed.status_code == 200, changed.text
    view = node.get(f"/v1/conversations/{conversation['id']}").json()
    assert view["status"] == "pending" and view["priority"] == "high" and view["tags"] == ["vip"]
    assert view.get("queue") is None
    bad = requests.patch(url, json={"status": "archived"}, headers=cluster.headers, timeout=5)
    assert bad.status_code == 400
    customer = node.get(f"/v1/customers/{conversation['customerID']}").json()
    assert customer["name"] == "Lin" and customer["externalIDs"] == {"wechat": "p1"}
    assert node.get("/v1/customers/nobody").status_code == 404


def test_a_write_acknowledged_by_one_node_is_found_by_the_next_request_to_another(cluster_factory):
    """A node may not have applied a write yet when the node that took it answers. Its
    existence checks, which run on its own state, look again at a linearizable point before
    they answer 404. Here a follower is paused while the leader takes a write, gets the next
    request while still paused, and is resumed: its check then races its own apply of the
    write, which a node answering from its state alone loses."""
    cluster = cluster_factory().start()
    leader = cluster.leader()
    follower = next(node for node in cluster.nodes.values() if node is not leader)
    customer = post(cluster, leader, "/v1/conversations", {"customer": {"externalId": "race"}, "channel": "web"}).json()
    requester = customer["customerID"]
    steps = {
        "change a conversation": lambda made: ("PATCH", f"/v1/conversations/{made}", {"priority": "high"}),
        "post as its customer": lambda made: ("POST", f"/v1/conversations/{made}/messages",
                                              {"author": {"type": "customer"}, "text": "hello"}),
        "change a ticket": lambda made: ("PATCH", f"/v1/tickets/{made}", {"priority": "high"}),
        "comment on a ticket as its customer": lambda made: ("POST", f"/v1/tickets/{made}/comments",
                                                             {"author": {"type": "customer"}, "text": "thanks"}),
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        for number in range(8):
            name = list(steps)[number % len(steps)]
            follower.process.send_signal(signal.SIGSTOP)
            try:
                if "ticket" in name:
                    made = post(cluster, leader, "/v1/tickets", {"subject": "Help", "requester": requester})
                else:
                    made = post(cluster, leader, "/v1/conversations",
                                {"customer": {"externalId": f"race-{number}"}, "channel": "web"})
                assert made.status_code == 201, made.text
                method, path, body = steps[name](made.json()["id"])
                answer = pool.submit(requests.request, method, follower.url + path, json=body,
                                     headers=cluster.headers, timeout=10)
                time.sleep(0.1)
            finally:
                follower.process.send_signal(signal.SIGCONT)
            reply = answer.result()
            assert reply.status_code in (200, 201), f"{name} (round {number}): {reply.status_code} {reply.text}"
