"""Workload (c): WebSocket subscribers to /v1/events that keep reconnecting.

Each subscriber holds a connection for a few seconds (or until it breaks), then reconnects to a
random target with ?after=<last seq seen>, as a real client resumes. It records every event it
receives, every connection, and every resync notice (which allows a gap, so it is recorded).
"""
import asyncio
import json
import random
import threading

from websockets.asyncio.client import connect

from .targets import pick_target

HOLD_SECONDS = (2.0, 8.0)


class SubscriberWorkload:
    def __init__(self, cluster, history, options):
        self.cluster = cluster
        self.history = history
        self.options = options
        self.clock = history.clock
        self.stopping = threading.Event()
        self.records = [{"subscriber": i, "start_after": 0, "last": 0, "events": [], "connections": [],
                         "resyncs": []} for i in range(options.subscribers)]
        self.thread = None
        self.error = None

    def start(self):
        self.thread = threading.Thread(target=self.run, name="subscribers", daemon=True)
        self.thread.start()

    def caught_up(self, index):
        return all(record["last"] >= index for record in self.records)

    def join(self):
        self.stopping.set()
        if self.thread:
            self.thread.join(timeout=30)
        for record in self.records:
            self.history.add("subscribers", record)

    def run(self):
        try:
            asyncio.run(self.main())
        except Exception as error:  # noqa: BLE001 - reported with the results
            self.error = error
            self.history.note(f"subscribers stopped by an error: {error!r}")

    async def main(self):
        await asyncio.gather(*(self.subscribe(record) for record in self.records))

    async def subscribe(self, record):
        rng = random.Random(f"{self.options.seed}-subscriber-{record['subscriber']}")
        while not self.stopping.is_set():
            name, base = pick_target(self.cluster, rng)
            connection = {"target": name, "after": record["last"], "start": self.clock.now(), "end": None,
                          "error": None, "events": 0}
            record["connections"].append(connection)
            try:
                await self.hold(record, connection, base, rng.uniform(*HOLD_SECONDS))
            except Exception as error:  # noqa: BLE001 - any failure just means reconnect
                connection["error"] = f"{type(error).__name__}: {error}"[:200]
                await asyncio.sleep(rng.uniform(0.1, 0.4))
            connection["end"] = self.clock.now()

    async def hold(self, record, connection, base, seconds):
        url = base.replace("http://", "ws://") + f"/v1/events?after={record['last']}"
        headers = {"Authorization": f"Bearer {self.cluster.token}"}
        async with connect(url, additional_headers=headers, open_timeout=2, close_timeout=1,
                           ping_interval=1, ping_timeout=2, max_size=None) as socket:
            until = self.clock.now() + seconds
            while self.clock.now() < until and not self.stopping.is_set():
                try:
                    frame = await asyncio.wait_for(socket.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                if not self.receive(record, connection, json.loads(frame)):
                    return

    def receive(self, record, connection, event):
        """Records one frame; False for a frame that is not an event (then reconnect)."""
        now = self.clock.now()
        if not isinstance(event.get("seq"), int):
            connection["error"] = f"unexpected frame {json.dumps(event)[:200]}"
            return False
        if event.get("type") == "resync":
            record["resyncs"].append({"t": now, "after": record["last"], "to": event["seq"],
                                      "target": connection["target"]})
            record["last"] = max(record["last"], event["seq"])
            return True
        record["events"].append(summarize(event, now, len(record["connections"]) - 1))
        connection["events"] += 1
        record["last"] = max(record["last"], event["seq"])
        return True


def summarize(event, now, connection_index):
    """What the checker needs of an event: its place, its kind and what it is about."""
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    summary = {"seq": event.get("seq"), "type": event.get("type"), "conversation": event.get("conversationId"),
               "id": data.get("id"), "t": round(now, 4), "connection": connection_index}
    if event.get("type") == "message.created":
        summary["message_seq"] = data.get("seq")
        summary["text"] = data.get("text")
    return summary
