"""Carries out the nemesis schedule, one fault at a time, logging each with its start and end.

Every fault heals itself before the next one starts (a killed node is restarted, a paused one
continued, a partition removed), so at most one fault is active at any moment. A stop request
cuts the current fault short and heals it at once.
"""
import random
import threading

from . import network


class Nemesis:
    def __init__(self, cluster, partitioner, history, options, schedule):
        self.cluster = cluster
        self.partitioner = partitioner
        self.history = history
        self.options = options
        self.schedule = schedule
        self.clock = history.clock
        self.stop = threading.Event()
        self.thread = None
        self.error = None

    def start(self, origin):
        """Runs the schedule with step times counted from `origin` (seconds on the run clock)."""
        self.thread = threading.Thread(target=self.run, args=(origin,), name="nemesis", daemon=True)
        self.thread.start()

    def join(self):
        self.stop.set()
        if self.thread:
            self.thread.join()

    def run(self, origin):
        try:
            for step in self.schedule:
                if self.stop.wait(max(0.0, origin + step["at"] - self.clock.now())):
                    return
                self.perform(step)
        except Exception as error:  # noqa: BLE001 - reported, and the run ends with it
            self.error = error
            self.history.note(f"nemesis stopped by an error: {error!r}")

    def perform(self, step):
        kind = step["kind"]
        if kind == "partition" and not self.partitioner.usable:
            self.log_skipped(step, f"partitions skipped: {self.partitioner.reason}")
            return
        action = {"kill": self.kill, "pause": self.pause, "restart": self.restart,
                  "partition": self.partition, "membership": self.change_membership}[kind]
        action(step)

    # Logging

    def begin(self, step, kind, nodes, **details):
        fault = {"step": step["index"], "kind": kind, "nodes": sorted(nodes), "start": self.clock.now(),
                 "end": None, "details": details}
        print(f"  {fault['start']:7.1f}s  {kind} {describe_nodes(nodes)} {format_details(details)}".rstrip(),
              flush=True)
        return fault

    def finish(self, fault, **details):
        fault["end"] = self.clock.now()
        fault["details"].update(details)
        self.history.add("faults", fault)

    def log_skipped(self, step, reason):
        now = self.clock.now()
        self.history.add("faults", {"step": step["index"], "kind": step["kind"], "nodes": [], "start": now,
                                    "end": now, "skipped": True, "details": {"reason": reason}})

    # Choosing targets

    def candidates(self):
        """Members whose process runs and is not paused."""
        return self.cluster.running_members()

    def pick(self, step, candidates):
        """The leader when the step targets it (and it is among the candidates), else a draw."""
        if not candidates:
            return None, False
        if step.get("rolling") is not None:
            return candidates[step["rolling"] % len(candidates)], False
        if step.get("target") == "leader":
            leader = self.cluster.leader()
            for node in candidates:
                if node.id == leader:
                    return node, True
        return candidates[int(step["draws"][0] * len(candidates))], False

    # Process faults

    def kill(self, step):
        node, is_leader = self.pick(step, self.candidates())
        if node is None:
            return self.log_skipped(step, "no running member")
        fault = self.begin(step, "kill", [node.id], leader=is_leader)
        node.kill()
        self.history.node_state(node.id, "down")
        self.stop.wait(step["duration"])
        self.cluster.start_node(node)
        self.finish(fault, restarted=True)
        self.wait_ready(node)

    def pause(self, step):
        node, is_leader = self.pick(step, self.candidates())
        if node is None:
            return self.log_skipped(step, "no running member")
        fault = self.begin(step, "pause", [node.id], leader=is_leader)
        node.pause()
        node.state = "paused"
        self.history.node_state(node.id, "paused")
        self.stop.wait(step["duration"])
        node.resume()
        node.state = "up"
        self.history.node_state(node.id, "up")
        self.finish(fault)

    def restart(self, step):
        node, is_leader = self.pick(step, self.candidates())
        if node is None:
            return self.log_skipped(step, "no running member")
        fault = self.begin(step, "restart", [node.id], leader=is_leader)
        status = node.terminate()
        self.history.node_state(node.id, "down")
        if status != 0:
            self.history.note(f"node {node.id} did not stop cleanly on SIGTERM: "
                              f"{'killed after 20s' if status is None else f'exit status {status}'}")
        self.cluster.start_node(node)
        ready = self.wait_ready(node)
        self.finish(fault, exit_status=status, ready=ready)

    def wait_ready(self, node, timeout=30):
        """Waits (unless stopping) for a restarted node to serve again; False if it did not."""
        deadline = self.clock.now() + timeout
        while self.clock.now() < deadline and not self.stop.is_set():
            if self.cluster.ready(node):
                return True
            self.stop.wait(0.1)
        if not self.stop.is_set():
            self.history.note(f"node {node.id} not ready {timeout}s after its restart")
        return False

    # Partitions

    def partition(self, step):
        members = sorted(node.id for node in self.cluster.member_nodes())
        leader = self.cluster.leader()
        edges, sides = partition_edges(step["variant"], members, leader, step)
        fault = self.begin(step, "partition", members, variant=step["variant"], sides=sides,
                           leader=leader, blocked=[list(edge) for edge in edges])
        try:
            self.partitioner.block(edges)
            self.stop.wait(step["duration"])
        finally:
            self.partitioner.heal()
        self.finish(fault)

    # Membership

    def change_membership(self, step):
        view = self.cluster.voters_seen_by_leader()
        if view is None:
            return self.log_skipped(step, "no leader to ask")
        _, voters, learners = view
        if learners:
            return self.log_skipped(step, f"learners {sorted(learners)} still catching up")
        if len(voters) <= 3 or (len(voters) <= self.options.nodes and step["draws"][1] < 0.5):
            self.add_node(step, voters)
        else:
            self.remove_node(step, voters)

    def add_node(self, step, voters):
        node_id = self.cluster.allocate_id()
        if node_id > self.cluster.highest_id:
            return self.log_skipped(step, "no node id left for a new node")
        sponsor = self.pick(step, self.candidates())[0]
        if sponsor is None:
            return self.log_skipped(step, "no running member to join through")
        node = self.cluster.new_node(node_id)
        fault = self.begin(step, "add", [node_id], through=sponsor.id)
        self.cluster.start_node(node, "--join", sponsor.url)
        with self.cluster.lock:
            self.cluster.members.add(node_id)
        promoted = self.wait_for_voter(node_id, timeout=60)
        if promoted:
            self.history.voters(set(voters) | {node_id})
        self.finish(fault, promoted=promoted)

    def wait_for_voter(self, node_id, timeout):
        deadline = self.clock.now() + timeout
        while self.clock.now() < deadline and not self.stop.is_set():
            view = self.cluster.voters_seen_by_leader()
            if view and node_id in view[1]:
                return True
            self.stop.wait(0.2)
        return False

    def remove_node(self, step, voters):
        victims = sorted(voters)
        victim = victims[int(step["draws"][2] * len(victims))]
        fault = self.begin(step, "remove", [victim], leader=self.cluster.leader())
        status, answer, attempts = self.cluster.admin_request("DELETE", f"/v1/cluster/members/{victim}")
        removed = status == 200
        if removed:
            with self.cluster.lock:
                self.cluster.members.discard(victim)
            node = self.cluster.nodes[victim]
            status = node.terminate()
            fault["details"]["exit_status"] = status
            node.state = "removed"
            self.history.node_state(victim, "removed")
            self.history.voters(set(voters) - {victim})
        self.finish(fault, removed=removed, answer=answer, attempts=attempts)

    # Healing

    def heal_everything(self):
        """Removes partitions, continues paused nodes and starts stopped members."""
        self.partitioner.heal()
        for node in self.cluster.member_nodes():
            if node.running and node.state == "paused":
                node.resume()
                node.state = "up"
                self.history.node_state(node.id, "up")
            if not node.running:
                self.cluster.start_node(node)


def partition_edges(variant, members, leader, step):
    """The directed (sender, receiver) pairs to cut, and the sides, for a partition variant."""
    order = list(members)
    random.Random(step["shuffle"]).shuffle(order)
    if leader in order:
        order.remove(leader)
    else:
        leader = order.pop(0)
    followers = order
    minority_size = 1 + int(step["draws"][1] * ((len(members) - 1) // 2))
    if variant == "leader-minority":
        minority = [leader] + followers[: minority_size - 1]
        return network.directed_edges(minority, [m for m in members if m not in minority]), [minority]
    if variant == "follower-minority":
        minority = followers[:minority_size]
        return network.directed_edges(minority, [m for m in members if m not in minority]), [minority]
    if variant == "random-halves":
        shuffled = [leader] + followers
        random.Random(step["shuffle"] + 1).shuffle(shuffled)
        minority = shuffled[:minority_size]
        return network.directed_edges(minority, [m for m in members if m not in minority]), [minority]
    if variant == "one-way":
        node = leader if step["draws"][2] < 0.5 else followers[0]
        others = [m for m in members if m != node]
        if step["draws"][3] < 0.5:
            return [(node, other) for other in others], [[node], "cannot send"]
        return [(other, node) for other in others], [[node], "cannot receive"]
    if variant == "bridge":
        everyone = [leader] + followers
        random.Random(step["shuffle"] + 2).shuffle(everyone)
        bridge, rest = everyone[0], everyone[1:]
        half = len(rest) // 2
        left, right = rest[:half], rest[half:]
        return network.directed_edges(left, right), [left, [bridge], right]
    raise ValueError(f"unknown partition variant {variant}")


def describe_nodes(nodes):
    return "n" + ",n".join(str(n) for n in sorted(nodes)) if nodes else ""


def format_details(details):
    shown = {k: v for k, v in details.items() if k not in ("blocked",)}
    return " ".join(f"{k}={v}" for k, v in shown.items())
