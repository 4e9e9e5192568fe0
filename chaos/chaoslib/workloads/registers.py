"""Workload (b): reads, blind writes and compare-and-sets on a few versioned registers.

Every operation is tried once (a register write has no idempotency key, so a retry after an
unknown outcome could apply twice); a timeout or a lost connection leaves it indeterminate,
as in Jepsen. Written values are unique, so the checker knows which write a read observed.
A compare-and-set expects the version this client saw last for the key, so many of them
conflict (412), which is an observation of the current version too.
"""
import random
import threading

from ..client import INDETERMINATE, OK, Client
from .targets import pick_target

OPERATION_WEIGHTS = {"read": 4, "write": 2, "cas": 4}


class RegisterWorkload:
    def __init__(self, cluster, history, options, tag):
        self.cluster = cluster
        self.history = history
        self.options = options
        self.clock = history.clock
        self.keys = [f"chaos-{tag}-r{k}" for k in range(options.register_keys)]
        self.stop = threading.Event()
        self.threads = []

    def start(self):
        for client_id in range(self.options.register_clients):
            thread = threading.Thread(target=self.client_loop, args=(client_id,), name=f"registers-{client_id}",
                                      daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def client_loop(self, client_id):
        rng = random.Random(f"{self.options.seed}-registers-{client_id}")
        client = Client(self.cluster.token, timeout=self.options.client_timeout)
        seen_versions = {}
        number = 0
        while not self.stop.is_set():
            number += 1
            key = rng.choice(self.keys)
            function = rng.choices(list(OPERATION_WEIGHTS), weights=list(OPERATION_WEIGHTS.values()))[0]
            op = self.perform(client, rng, client_id, number, key, function, seen_versions.get(key, 0))
            version = observed_version(op)
            if version is not None:
                seen_versions[key] = version
        client.close()

    def perform(self, client, rng, client_id, number, key, function, known_version):
        op = {"kind": "register", "client": client_id, "key": key, "f": function, "value": None,
              "expected": None}
        body = None
        if function != "read":
            op["value"] = f"{client_id}-{number}"
            body = {"value": op["value"]}
        if function == "cas":
            op["expected"] = known_version
            body["expectedVersion"] = known_version
        name, base = pick_target(self.cluster, rng)
        op["target"] = name
        op["invoke"] = self.clock.now()
        outcome = client.call("GET" if function == "read" else "PUT", f"{base}/v1/registers/{key}", body)
        end = self.clock.now()
        # A 404 on a read (absent) and a 412 on a CAS (conflict) are answers too.
        op["result"] = interpret(function, outcome)
        answered = op["result"] is not None
        op["outcome"] = OK if answered else outcome.kind
        op["complete"] = end if op["outcome"] != INDETERMINATE else None
        op["response"] = outcome.describe()
        applied = function != "read" and answered and "version" in op["result"]
        self.history.request("register", op["invoke"], end, answered, applied, name)
        self.history.add("registers", op)
        return op


def interpret(function, outcome):
    """The operation's result as the checker's model sees it, or None if it has none."""
    body = outcome.body if isinstance(outcome.body, dict) else {}
    if function == "read":
        if outcome.ok:
            return {"value": body.get("value"), "version": int(body.get("version", 0))}
        if outcome.status == 404 and outcome.code == "not_found":
            return {"value": None, "version": 0}
        return None
    if outcome.ok:
        return {"version": int(body["version"])}
    if function == "cas" and outcome.status == 412 and outcome.code == "version_conflict":
        return {"conflict": int(body["error"]["currentVersion"])}
    return None


def observed_version(op):
    result = op.get("result") or {}
    if "version" in result:
        return result["version"]
    return result.get("conflict")

