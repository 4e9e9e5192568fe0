"""Messages posted through HAProxy while the leader is killed: every acknowledged message is on
every node exactly once and in order, and a live event subscriber that moves to another node
misses nothing."""
import asyncio
import json
import ssl
import subprocess
import threading
import time
import uuid

import pytest
import requests
from websockets.asyncio.client import connect

from harness import NETWORK, LoadBalancer


def test_leader_kill_behind_the_load_balancer_loses_and_duplicates_nothing(cluster_factory):
    cluster = cluster_factory().start()
    balancer = LoadBalancer(cluster).start()
    try:
        run_scenario(cluster, balancer)
    finally:
        balancer.stop()


def counter(node, name):
    samples = node.metrics()
    assert name in samples, f"no {name} on node {node.id}"
    return samples[name]


def test_writes_go_to_the_leader_and_reads_to_any_node(cluster_factory):
    cluster = cluster_factory().start()
    balancer = LoadBalancer(cluster).start()
    try:
        leader = cluster.leader()
        headers = dict(cluster.headers)
        cluster.wait_until(lambda: requests.get(leader.url + "/health/leader", timeout=2).status_code == 200, "leader check")
        for node in cluster.nodes.values():
            if node is not leader:
                assert requests.get(node.url + "/health/leader", timeout=2).status_code == 503
        conversation = requests.post(balancer.url + "/v1/conversations", headers=headers, timeout=5,
                                     json={"customer": {"externalId": "route"}, "channel": "web"}).json()
        path = f"/v1/conversations/{conversation['id']}/messages"
        time.sleep(1.5)  # HAProxy's checks (every 0.5 s) have seen the leader
        before = {node.id: counter(node, "switchboard_proposals_total") for node in cluster.nodes.values()}
        reads_before = {node.id: counter(node, "switchboard_reads_total") for node in cluster.nodes.values()}
        for index in range(30):
            reply = requests.post(balancer.url + path, json={"author": {"type": "customer"}, "text": f"m{index}"},
                                  headers=headers, timeout=5)
            assert reply.status_code == 201, reply.text
        for _ in range(30):
            assert requests.get(balancer.url + path, headers=headers, timeout=5).status_code == 200
        proposed = {node.id: counter(node, "switchboard_proposals_total") - before[node.id] for node in cluster.nodes.values()}
        assert proposed[leader.id] >= 30, proposed
        assert all(proposed[node.id] < 5 for node in cluster.nodes.values() if node is not leader), proposed
        reads = {node.id: counter(node, "switchboard_reads_total") - reads_before[node.id] for node in cluster.nodes.values()}
        assert sum(1 for count in reads.values() if count > 0) >= 2, reads
    finally:
        balancer.stop()


def run_scenario(cluster, balancer):
    headers = dict(cluster.headers)
    conversation = requests.post(balancer.url + "/v1/conversations", headers=headers, timeout=5,
                                 json={"customer": {"externalId": "lb"}, "channel": "web"}).json()
    path = f"/v1/conversations/{conversation['id']}/messages"
    acknowledged = []
    stop = threading.Event()

    def writer():
        index = 0
        while not stop.is_set():
            key = str(uuid.uuid4())
            text = f"t{index}"
            # Retry the same message with the same key until it is acknowledged, also after
            # `stop`: a first attempt whose answer was lost (its leader died) may still commit,
            # so giving up on it would leave a stored message that was never acknowledged.
            attempted = False
            give_up = float("inf")
            while not stop.is_set() or (attempted and time.time() < give_up):
                if stop.is_set() and give_up == float("inf"):
                    give_up = time.time() + 20
                attempted = True
                try:
                    reply = requests.post(balancer.url + path, json={"author": {"type": "customer"}, "text": text},
                                          headers=dict(headers, **{"Idempotency-Key": key}), timeout=3)
                    if reply.status_code in (200, 201):
                        acknowledged.append(text)
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            index += 1

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.0)
    leader = cluster.leader()
    subscriber_node = next(n for n in cluster.nodes.values() if n is not leader)
    first_events = asyncio.run(collect(subscriber_node.url, cluster.token, after=0, seconds=1.0))
    leader.kill()
    time.sleep(3.0)
    stop.set()
    thread.join()

    survivors = [n for n in cluster.nodes.values() if n.running]
    assert len(acknowledged) > 10
    for node in survivors:
        # Pages hold at most 500 messages: read them all, page after page.
        cluster.wait_until(lambda: len(all_texts(node, path)) >= len(acknowledged), "catch up")
        assert all_texts(node, path) == acknowledged, f"node {node.id}"

    # The subscriber moves to the other survivor and resumes after the last event it saw.
    other = next(n for n in survivors if n is not subscriber_node)
    last = first_events[-1]["seq"]
    rest = asyncio.run(collect(other.url, cluster.token, after=last, seconds=2.0))
    seen = [e["data"]["text"] for e in first_events + rest if e["type"] == "message.created"]
    assert seen == acknowledged


def all_texts(node, path):
    texts, after = [], 0
    while True:
        items = node.get(path + f"?limit=500&after={after}").json()["items"]
        texts += [m["text"] for m in items]
        if len(items) < 500:
            return texts
        after = items[-1]["seq"]


async def collect(url, token, after, seconds):
    events = []
    async with connect(url.replace("http://", "ws://") + f"/v1/events?after={after}",
                       additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                events.append(json.loads(await asyncio.wait_for(socket.recv(), timeout=max(0.01, deadline - time.time()))))
            except asyncio.TimeoutError:
                break
    return events


def self_signed_certificate(directory):
    """A certificate for the load balancer's address and a PEM holding it with its key."""
    certificate, key, both = (str(directory / name) for name in ("cert.pem", "key.pem", "both.pem"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                    "-days", "2", "-subj", f"/CN={NETWORK}.10", "-addext", f"subjectAltName=IP:{NETWORK}.10"],
                   check=True, capture_output=True)
    with open(both, "w") as handle:
        handle.write(open(certificate).read() + open(key).read())
    return certificate, both


async def first_message_event(url, token, certificate):
    context = ssl.create_default_context(cafile=certificate)
    async with connect(url.replace("https://", "wss://") + "/v1/events?after=0", ssl=context,
                       additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            if event["type"] == "message.created":
                return event["data"]["text"]


def test_the_load_balancer_answers_https_and_wss(cluster_factory, tmp_path):
    cluster = cluster_factory().start()
    certificate, pem = self_signed_certificate(tmp_path)
    balancer = LoadBalancer(cluster, certificate=pem, redirect_port=18091).start()
    try:
        assert balancer.url.startswith("https://")
        cluster.wait_until(lambda: requests.get(balancer.url + "/health/ready", verify=certificate, timeout=2).ok,
                           "a ready node behind HTTPS")
        reply = requests.get(balancer.url + "/health/ready", verify=certificate, timeout=5)
        assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"
        conversation = requests.post(balancer.url + "/v1/conversations", headers=cluster.headers, verify=certificate,
                                     json={"customer": {"externalId": "tls"}, "channel": "web"}, timeout=5)
        assert conversation.status_code == 201, conversation.text
        posted = requests.post(balancer.url + f"/v1/conversations/{conversation.json()['id']}/messages",
                               json={"author": {"type": "customer"}, "text": "over TLS"}, headers=cluster.headers,
                               verify=certificate, timeout=5)
        assert posted.status_code == 201, posted.text
        assert asyncio.run(first_message_event(balancer.url, cluster.token, certificate)) == "over TLS"
        # A client that does not trust the certificate is refused, and plain HTTP on the TLS
        # address gets nothing.
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(balancer.url + "/health/ready", timeout=5)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(balancer.url.replace("https://", "http://") + "/health/ready", timeout=5)
        # The plain-HTTP address only redirects, to the same path on the HTTPS one.
        redirect = requests.get(f"http://{NETWORK}.10:18091/v1/conversations?limit=5", allow_redirects=False, timeout=5)
        assert redirect.status_code == 301
        assert redirect.headers["Location"] == balancer.url + "/v1/conversations?limit=5"
    finally:
        balancer.stop()
