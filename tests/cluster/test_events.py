"""Live events over WebSocket from any node, resumable on another node with ?after=SEQ."""
import asyncio
import json

import requests
from websockets.asyncio.client import connect


def post(cluster, node, path, body):
    return requests.post(node.url + path, json=body, headers=cluster.headers, timeout=5)


async def receive(url, token, messages, after=None):
    """Events until `messages` message events arrived."""
    query = f"?after={after}" if after is not None else ""
    events = []
    async with connect(url.replace("http://", "ws://") + "/v1/events" + query,
                       additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        while len(message_texts(events)) < messages:
            events.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=10)))
    return events


def message_texts(events):
    return [e["data"]["text"] for e in events if e["type"] == "message.created"]


def test_events_stream_from_any_node_and_resume_elsewhere(cluster_factory):
    cluster = cluster_factory().start()
    first, second, third = cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]
    conversation = post(cluster, first, "/v1/conversations",
                        {"customer": {"externalId": "live-1"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    for index in range(3):
        assert post(cluster, first, path, {"author": {"type": "customer"}, "text": f"m{index}"}).status_code == 201

    # From the start on node 3: the conversation and its three messages, in order.
    seen = asyncio.run(receive(third.url, cluster.token, 3, after=0))
    assert [e["type"] for e in seen[:2]] == ["customer.created", "conversation.created"]
    assert message_texts(seen) == ["m0", "m1", "m2"]
    last = seen[-1]["seq"]

    # Missed while disconnected, resumed on node 2: exactly the missing ones.
    for index in range(3, 6):
        post(cluster, second, path, {"author": {"type": "customer"}, "text": f"m{index}"})
    resumed = asyncio.run(receive(second.url, cluster.token, 3, after=last))
    assert message_texts(resumed) == ["m3", "m4", "m5"]
    # One command may produce several events; they share its sequence number (its Raft index).
    keys = [(e["seq"], e["type"]) for e in seen + resumed]
    assert keys == sorted(keys, key=lambda k: k[0]) and len(set(keys)) == len(keys)


def test_events_need_the_token(cluster_factory):
    cluster = cluster_factory().start()
    reply = requests.get(cluster.nodes[1].url + "/v1/events", headers={"Connection": "Upgrade", "Upgrade": "websocket",
                         "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, timeout=5)
    # The upgrade is refused (never 101 Switching Protocols), and a plain request is told why.
    assert reply.status_code in (400, 401)
    assert requests.get(cluster.nodes[1].url + "/v1/events", timeout=5).status_code == 401
    plain = requests.get(cluster.nodes[1].url + "/v1/events", headers=cluster.headers, timeout=5)
    assert plain.status_code == 426 and plain.json()["error"]["code"] == "websocket_required"
