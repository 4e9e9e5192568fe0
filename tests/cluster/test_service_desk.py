"""The service desk API over real nodes: conversations and messages written through any node,
read back identically everywhere, with idempotent retries and clear errors."""
import concurrent.futures
import json
import pytest
import signal
import socket
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
    bell_tag = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "x"}, "channel": "web", "tags": ["late\u0007"]})
    assert bell_tag.status_code == 400 and bell_tag.json()["error"] == {
        "code": "invalid", "message": "tag must not contain control characters"}
    missing = post(cluster, node, "/v1/conversations/nope/messages", {"author": {"type": "customer"}, "text": "hi"})
    assert missing.status_code == 404
    huge = requests.post(node.url + "/v1/conversations", data=b"x" * (2 << 20), headers=headers, timeout=10)
    assert huge.status_code == 413
    assert node.get("/v1/conversations").json()["items"] == []


def test_listing_after_any_number_answers_and_the_node_stays_up(cluster_factory):
    """`after` comes from the client: the largest number is an empty page (it once overflowed
    and stopped the node), and text that is not a number is a clear error."""
    cluster = cluster_factory().start()
    node = cluster.nodes[1]
    conversation = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "v9"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    assert post(cluster, node, path, {"author": {"type": "customer"}, "text": "hello"}).status_code == 201
    largest = node.get(path + "?after=18446744073709551615")
    assert largest.status_code == 200 and largest.json()["items"] == []
    for bad in ["18446744073709551616", "-1", "abc"]:
        refused = node.get(path + "?after=" + bad)
        assert refused.status_code == 400 and refused.json()["error"]["message"] == "after must be a whole number, 0 or more"
    assert [m["text"] for m in node.get(path + "?after=0").json()["items"]] == ["hello"]
    assert node.get("/health/live").status_code == 200


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


def raw_request(method, path, token, body=b"", headers=()):
    lines = [f"{method} {path} HTTP/1.1", "Host: node", f"Authorization: Bearer {token}",
             f"Content-Length: {len(body)}", "Content-Type: application/json", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def connect(node):
    host, port = node.url.split("//")[1].split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_responses(sock, count):
    """Reads `count` HTTP/1.1 responses (Content-Length framed) off one connection."""
    buffer, responses = b"", []
    while len(responses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(responses)} responses"
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        fields = {name.lower(): value for name, value in (line.split(": ", 1) for line in lines[1:])}
        length = int(fields["content-length"])
        while len(buffer) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside a body"
            buffer += chunk
        body, buffer = buffer[:length], buffer[length:]
        responses.append((int(lines[0].split()[1]), fields, json.loads(body) if body else None))
    return responses


def test_pipelined_requests_are_answered_in_order_and_message_post_errors_are_the_routers(cluster_factory):
    """Message posts are answered ahead of the router; what they cannot decide at once goes to
    the router. On one connection, several requests sent in one write (HTTP/1.1 pipelining),
    posts and other requests mixed, are answered in their order, each as the router would."""
    cluster = cluster_factory().start()
    node = cluster.leader()
    conversation = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "pipe"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    token = cluster.token

    def message(text, key):
        body = json.dumps({"author": {"type": "customer"}, "text": text}).encode()
        return raw_request("POST", path, token, body, [f"Idempotency-Key: {key}"])

    batch = [
        message("one", "k-1"),
        raw_request("GET", path, token),
        message("two", "k-2"),
        raw_request("POST", path, token, b"{nope"),
        message("one again", "k-1"),
        raw_request("POST", path, token, b'{"author":{"type":"customer"},"text":"x"}', ["Idempotency-Key: " + "k" * 129]),
        raw_request("POST", "/v1/conversations/nope/messages", token, b'{"author":{"type":"customer"},"text":"x"}'),
        raw_request("POST", path, "not-a-token", b'{"author":{"type":"customer"},"text":"x"}'),
        raw_request("POST", path, token, b'{"author":{"type":"customer"},"text":"three"}', ["Origin: https://shop.example"]),
        message("four", "k-4"),
    ]
    with connect(node) as sock:
        sock.sendall(b"".join(batch))
        answers = read_responses(sock, len(batch))
    statuses = [status for status, _, _ in answers]
    assert statuses == [201, 200, 201, 400, 200, 400, 404, 401, 201, 201], answers
    assert [m["text"] for m in answers[1][2]["items"]] == ["one"]
    assert answers[4][2]["id"] == answers[0][2]["id"]
    assert answers[3][2]["error"]["message"] == "the body is not valid JSON"
    assert answers[5][2]["error"]["message"] == "Idempotency-Key must be 1 to 128 characters"
    assert answers[7][2]["error"]["code"] == "unauthorized"
    assert answers[8][1].get("access-control-allow-origin") == "*"
    assert all("date" in fields and fields["content-type"] == "application/json" for _, fields, _ in answers)
    listed = node.get(path).json()["items"]
    assert [m["text"] for m in listed] == ["one", "two", "three", "four"]


def test_a_message_post_asking_to_close_the_connection_is_answered_and_closed(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[2]
    conversation = post(cluster, node, "/v1/conversations", {"customer": {"externalId": "bye"}, "channel": "web"}).json()
    body = b'{"author":{"type":"customer"},"text":"bye"}'
    request = raw_request("POST", f"/v1/conversations/{conversation['id']}/messages", cluster.token, body,
                          ["Connection: close"])
    with connect(node) as sock:
        sock.sendall(request)
        [(status, _, answer)] = read_responses(sock, 1)
        assert status == 201 and answer["text"] == "bye"
        assert sock.recv(1) == b""


@pytest.mark.parametrize("keyed", [True, False], ids=["client-key", "no-key"])
def test_a_write_forwarded_to_a_leader_that_dies_is_answered_by_the_next_leader(cluster_factory, keyed):
    """A follower forwards a message post to the leader, which stops before answering and is
    then killed. The follower sends the post again to the leader elected next instead of
    waiting out its deadline and answering 503: with the client's Idempotency-Key, or without
    one with the key the follower made for it, so it is applied once either way."""
    cluster = cluster_factory().start()
    leader = cluster.leader()
    follower = next(node for node in cluster.nodes.values() if node is not leader)
    conversation = post(cluster, leader, "/v1/conversations", {"customer": {"externalId": "failover"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    # A follower that knows no leader holds the post until it knows one: the post must find it
    # following this one, so that it is forwarded to the leader about to stop.
    cluster.wait_until(lambda: (follower.status() or {}).get("leader") == str(leader.id), "the follower to follow the leader")
    leader.process.send_signal(signal.SIGSTOP)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(post, cluster, follower, path, {"author": {"type": "customer"}, "text": "still there?"},
                             key=str(uuid.uuid4()) if keyed else None)
        time.sleep(0.3)
        leader.kill()
        reply = answer.result()
    assert reply.status_code == 201, reply.text
    survivor = cluster.leader()
    assert [m["text"] for m in survivor.get(path).json()["items"]] == ["still there?"]


def test_a_write_at_a_leader_that_loses_its_leadership_is_answered_by_the_next_leader(cluster_factory):
    """The leader takes a message post without an Idempotency-Key while both followers are
    down, so it cannot commit it, and steps down. The followers then restart and elect one
    of them (the former leader paused meanwhile), whose log does not have the post. The
    former leader, resumed, sends the post on to the new leader (with the key it made for it)
    instead of answering 503 when the new leader's log replaces its entry: the post is applied
    once. (A longer proposal timeout than the default leaves room for two debug-build
    restarts while the post waits.)"""
    cluster = cluster_factory(proposal_timeout_ms=30000).start()
    leader = cluster.leader()
    followers = [node for node in cluster.nodes.values() if node is not leader]
    conversation = post(cluster, leader, "/v1/conversations", {"customer": {"externalId": "deposed"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    cluster.wait_until(lambda: all((node.status() or {}).get("applied") == leader.status()["applied"] for node in followers),
                       "the followers to apply the conversation")
    proposed = leader.metrics().get("switchboard_proposals_total", 0)
    # Killed, not paused: a paused follower's socket would still take the leader's append.
    for node in followers:
        node.kill()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            answer = pool.submit(requests.post, leader.url + path, json={"author": {"type": "customer"}, "text": "lost?"},
                                 headers=cluster.headers, timeout=60)
            cluster.wait_until(lambda: leader.metrics().get("switchboard_proposals_total", 0) > proposed, "the post proposed")
            cluster.wait_until(lambda: (leader.status() or {}).get("leader") == "", "the leader to step down")
            leader.process.send_signal(signal.SIGSTOP)
            for node in followers:
                node.start()
            cluster.wait_until(lambda: any((node.status() or {}).get("leader") == str(node.id) for node in followers),
                               "a follower elected")
            leader.process.send_signal(signal.SIGCONT)
            reply = answer.result()
    finally:
        leader.process.send_signal(signal.SIGCONT)
    assert reply.status_code == 201, reply.text
    assert leader.metrics().get("switchboard_proposals_requeued_total", 0) == 1
    assert [m["text"] for m in cluster.leader().get(path).json()["items"]] == ["lost?"]


def test_a_write_at_a_node_that_knows_no_leader_waits_for_the_next_one(cluster_factory):
    """A follower left without a leader (the leader and the third node stopped) takes message
    posts, with and without an Idempotency-Key, and holds them until a leader is elected,
    instead of answering 503 at once; each is applied once."""
    cluster = cluster_factory().start()
    leader = cluster.leader()
    follower, other = [node for node in cluster.nodes.values() if node is not leader]
    conversation = post(cluster, leader, "/v1/conversations", {"customer": {"externalId": "alone"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    cluster.wait_until(lambda: (follower.status() or {}).get("leader") == str(leader.id), "the follower to follow the leader")
    leader.process.send_signal(signal.SIGSTOP)
    other.process.send_signal(signal.SIGSTOP)
    try:
        cluster.wait_until(lambda: (follower.status() or {}).get("leader") not in (None, str(leader.id)), "the follower to lose its leader")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            keyed = pool.submit(post, cluster, follower, path, {"author": {"type": "customer"}, "text": "hello?"},
                                key=str(uuid.uuid4()))
            unkeyed = pool.submit(post, cluster, follower, path, {"author": {"type": "customer"}, "text": "anyone?"})
            time.sleep(0.5)
            other.process.send_signal(signal.SIGCONT)
            replies = [keyed.result(), unkeyed.result()]
    finally:
        other.process.send_signal(signal.SIGCONT)
        leader.process.send_signal(signal.SIGCONT)
    assert [reply.status_code for reply in replies] == [201, 201], [reply.text for reply in replies]
    assert sorted(m["text"] for m in follower.get(path).json()["items"]) == ["anyone?", "hello?"]
