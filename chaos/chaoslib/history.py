"""Everything a run observed, recorded as plain JSON-ready dicts with times in seconds since the
run's origin (a monotonic clock), so checkers and tests work on the same shapes."""
import json
import threading
import time


class Clock:
    def __init__(self):
        self.origin = time.monotonic()
        self.wall_origin = time.time()

    def now(self):
        return time.monotonic() - self.origin


class History:
    """Append-only lists, safe to add to from any thread."""

    SECTIONS = ("conversations", "messages", "registers", "requests", "subscribers", "faults",
                "node_events", "voters", "leaders", "views", "phases", "notes", "deliveries", "gateway")

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.sections = {name: [] for name in self.SECTIONS}

    def add(self, section, entry):
        with self.lock:
            self.sections[section].append(entry)
        return entry

    def items(self, section):
        with self.lock:
            return list(self.sections[section])

    def phase(self, name):
        """Marks a moment of the run (cluster up, workload start, heal, …)."""
        return self.add("phases", {"name": name, "t": self.clock.now()})

    def phase_time(self, name):
        return next((p["t"] for p in self.items("phases") if p["name"] == name), None)

    def note(self, text):
        self.add("notes", {"t": self.clock.now(), "text": text})

    def node_state(self, node_id, state):
        """A node went up, down, paused, or was removed (for the majority computation)."""
        self.add("node_events", {"t": self.clock.now(), "node": node_id, "state": state})

    def voters(self, voter_ids):
        self.add("voters", {"t": self.clock.now(), "voters": sorted(voter_ids)})

    def request(self, workload, start, end, ok, write, target):
        """One HTTP request (one attempt), for the availability timeline."""
        self.add("requests", {"workload": workload, "start": start, "end": end, "ok": ok,
                              "write": write, "target": target})

    def to_json(self):
        with self.lock:
            body = {name: list(entries) for name, entries in self.sections.items()}
        body["wall_origin"] = self.clock.wall_origin
        return body

    def save(self, path):
        with open(path, "w") as handle:
            json.dump(self.to_json(), handle)


def load(path):
    with open(path) as handle:
        return json.load(handle)
