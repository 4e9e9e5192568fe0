"""Workload (a): customers post messages to many conversations.

Each client thread posts one message at a time (sequential writes from one client) to a random
conversation; every post carries an Idempotency-Key and is retried with the same key, at any
target, until it is acknowledged or `message_deadline` passes. Every post is recorded with its
key, conversation, text, outcome (ok / fail / indeterminate) and the returned seq and id.
Now and then a client opens a new conversation the same way.
"""
import random
import threading
import time

from ..client import FAIL, INDETERMINATE, OK, Client
from .targets import backoff, pick_target

NEW_CONVERSATION_CHANCE = 0.01


class MessageWorkload:
    def __init__(self, cluster, history, options, tag):
        self.cluster = cluster
        self.history = history
        self.options = options
        self.clock = history.clock
        self.tag = tag
        self.stop = threading.Event()
        self.threads = []
        self.conversations = []
        self.lock = threading.Lock()
        self.conversation_count = 0

    # Setup

    def create_conversations(self, count, deadline=60.0):
        """Opens the first conversations through HAProxy; the run needs them, so it insists."""
        client = Client(self.cluster.token, timeout=5.0)
        rng = random.Random(self.options.seed)
        for _ in range(count):
            op = self.open_conversation(client, rng, client_id="setup", deadline=deadline)
            if op["outcome"] != OK:
                raise RuntimeError(f"could not open a conversation before the run: {op['attempts'][-1]}")
        client.close()

    def open_conversation(self, client, rng, client_id, deadline=None):
        with self.lock:
            self.conversation_count += 1
            number = self.conversation_count
        key = f"conv-{self.tag}-{number}"
        body = self.conversation_body(number)
        op = {"kind": "conversation", "client": client_id, "key": key, "invoke": self.clock.now()}
        reply = self.post_with_retries(client, rng, op, "/v1/conversations", body,
                                       deadline or self.options.message_deadline)
        if reply is not None:
            op["id"] = reply["id"]
            with self.lock:
                self.conversations.append(reply["id"])
        self.history.add("conversations", op)
        return op

    def conversation_body(self, number):
        return {"customer": {"externalId": f"chaos-{self.tag}-{number}"}, "channel": "web",
                "subject": f"chaos conversation {number}"}

    # Load

    def start(self):
        for client_id in range(self.options.message_clients):
            thread = threading.Thread(target=self.client_loop, args=(client_id,), name=f"messages-{client_id}",
                                      daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def client_loop(self, client_id):
        rng = random.Random(f"{self.options.seed}-messages-{client_id}")
        client = Client(self.cluster.token, timeout=self.options.client_timeout)
        number = 0
        while not self.stop.is_set():
            if rng.random() < NEW_CONVERSATION_CHANCE:
                self.open_conversation(client, rng, client_id)
                continue
            number += 1
            self.post_message(client, rng, client_id, number)
        client.close()

    def post_message(self, client, rng, client_id, number):
        with self.lock:
            conversation = rng.choice(self.conversations)
        key = f"msg-{self.tag}-{client_id}-{number}"
        text = f"client {client_id} message {number} ({key})"
        op = {"kind": "message", "client": client_id, "key": key, "conversation": conversation, "text": text,
              "invoke": self.clock.now()}
        body = {"author": {"type": "customer"}, "text": text}
        reply = self.post_with_retries(client, rng, op, f"/v1/conversations/{conversation}/messages", body,
                                       self.options.message_deadline)
        if reply is not None:
            op.update(id=reply.get("id"), seq=reply.get("seq"), index=reply.get("index"))
        self.history.add("messages", op)

    def post_with_retries(self, client, rng, op, path, body, deadline):
        """POSTs with the op's Idempotency-Key until acknowledged or out of time; fills in the
        op's attempts, outcome and completion time, and returns the reply body on success."""
        op["attempts"] = []
        kinds = []
        give_up_at = op["invoke"] + deadline
        while True:
            name, base = pick_target(self.cluster, rng)
            start = self.clock.now()
            outcome = client.call("POST", base + path, body, headers={"Idempotency-Key": op["key"]})
            end = self.clock.now()
            op["attempts"].append({"target": name, "start": round(start, 4), "end": round(end, 4),
                                   "result": outcome.describe()})
            self.history.request(op["kind"], start, end, outcome.ok, True, name)
            if outcome.ok:
                op.update(outcome=OK, complete=end)
                return outcome.body
            kinds.append(outcome.kind)
            if end >= give_up_at:
                break
            time.sleep(backoff(len(kinds), outcome.retry_after))
        # Certainly not applied only if no attempt might have been.
        if all(kind == FAIL for kind in kinds):
            op.update(outcome=FAIL, complete=end)
        else:
            op.update(outcome=INDETERMINATE, complete=None)
        return None
