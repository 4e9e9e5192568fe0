"""Workload (d): an agent answers WeChat customers; the answers leave through a gateway.

Before the run: a WeChat gateway on loopback (the harness's own HTTP server, which checks each
POST's signature), the channel's webhook pointing at it, an agent, and WeChat conversations.
During the run: client threads post agent messages (each with an Idempotency-Key, retried as
the message workload does) and record them in the history's `deliveries` section. Each node
that owns a conversation's session slot posts its outbox items to the gateway and records the
attempts, fenced by the slot epoch, so kills, pauses and partitions move the work between
nodes. After the heal the harness waits until every acknowledged message reached the gateway
(or `recovery_timeout` passes) and saves what the gateway received in the `gateway` section.
"""
import hashlib
import hmac
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..client import OK, Client
from ..processes import BALANCER_ADDRESS
from .messages import MessageWorkload

GATEWAY_PORT = 28095
AGENT_ID = "chaos-agent"


class Gateway:
    """Records every delivery: its id, the message it carries, when, and whether its
    signature matched the secret."""

    def __init__(self, clock):
        self.clock = clock
        self.secret = None
        self.received = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                gateway.record(self.headers, body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer((BALANCER_ADDRESS, GATEWAY_PORT), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{BALANCER_ADDRESS}:{GATEWAY_PORT}/wechat"
        self.thread = threading.Thread(target=self.server.serve_forever, name="gateway", daemon=True)
        self.thread.start()

    def record(self, headers, body):
        timestamp = headers.get("X-Switchboard-Timestamp", "")
        expected = "v1=" + hmac.new((self.secret or "").encode(), timestamp.encode() + b"." + body,
                                    hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(headers.get("X-Switchboard-Signature", ""), expected)
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        entry = {"delivery": headers.get("X-Switchboard-Delivery"), "message": payload.get("messageId"),
                 "text": payload.get("text"), "conversation": payload.get("conversationId"),
                 "attempt": payload.get("attempt"), "signed": signed, "at": round(self.clock.now(), 4)}
        with self.lock:
            self.received.append(entry)

    def delivered_messages(self):
        with self.lock:
            return {entry["message"] for entry in self.received if entry["signed"]}

    def close(self):
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        self.server = None


class DeliveryWorkload(MessageWorkload):
    def __init__(self, cluster, history, options, tag):
        super().__init__(cluster, history, options, f"{tag}-wx")
        self.gateway = None

    # Setup

    def prepare(self, count):
        self.gateway = Gateway(self.clock)
        status, body, _ = self.cluster.admin_request("PUT", "/v1/channels/wechat/webhook", {"url": self.gateway.url})
        if status not in (200, 201) or not body or not body.get("secret"):
            raise RuntimeError(f"could not set the WeChat webhook before the run: {status} {body}")
        self.gateway.secret = body["secret"]
        status, body, _ = self.cluster.admin_request("POST", "/v1/agents", {
            "id": AGENT_ID, "email": "chaos-agent@example.com", "name": "Chaos agent", "role": "agent",
            "password": "chaos agent password"})
        if status not in (201, 409):
            raise RuntimeError(f"could not create the agent before the run: {status} {body}")
        self.create_conversations(count)

    def conversation_body(self, number):
        return {"customer": {"externalId": f"wx-chaos-{self.tag}-{number}"}, "channel": "wechat",
                "subject": f"chaos WeChat conversation {number}"}

    # Load

    def start(self):
        for client_id in range(self.options.delivery_clients):
            thread = threading.Thread(target=self.client_loop, args=(client_id,), name=f"deliveries-{client_id}",
                                      daemon=True)
            thread.start()
            self.threads.append(thread)

    def client_loop(self, client_id):
        rng = random.Random(f"{self.options.seed}-deliveries-{client_id}")
        client = Client(self.cluster.token, timeout=self.options.client_timeout)
        number = 0
        while not self.stop.is_set():
            number += 1
            with self.lock:
                conversation = rng.choice(self.conversations)
            key = f"answer-{self.tag}-{client_id}-{number}"
            text = f"agent answer {number} of client {client_id} ({key})"
            op = {"kind": "delivery", "client": client_id, "key": key, "conversation": conversation, "text": text,
                  "invoke": self.clock.now()}
            body = {"author": {"type": "agent", "id": AGENT_ID}, "text": text}
            reply = self.post_with_retries(client, rng, op, f"/v1/conversations/{conversation}/messages", body,
                                           self.options.message_deadline)
            if reply is not None:
                op.update(id=reply.get("id"), seq=reply.get("seq"))
            self.history.add("deliveries", op)
            # An agent types slower than a customer floods: the load is the message workload's.
            self.stop.wait(rng.uniform(0.05, 0.2))
        client.close()

    # After the heal

    def finish(self, timeout):
        """Waits until every acknowledged answer reached the gateway and the outbox holds
        nothing pending (answers of indeterminate posts too), then saves what the gateway got."""
        acknowledged = {op["id"] for op in self.history.to_json()["deliveries"] if op.get("outcome") == OK}
        client = Client(self.cluster.token, timeout=2.0)
        pending_url = f"{self.cluster.balancer.url}/v1/outbox?status=pending&limit=1"

        def drained():
            if not acknowledged <= self.gateway.delivered_messages():
                return False
            reply = client.call("GET", pending_url)
            return reply.ok and not reply.body.get("items")

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not drained():
            time.sleep(0.2)
        client.close()
        missing = acknowledged - self.gateway.delivered_messages()
        if missing:
            self.history.note(f"{len(missing)} acknowledged answers had not reached the gateway after {timeout:g}s")
        self.gateway.close()
        with self.gateway.lock:
            for entry in self.gateway.received:
                self.history.add("gateway", entry)

    def close(self):
        if self.gateway:
            self.gateway.close()
