"""Polls every member's /v1/cluster about five times a second; records leader changes, the
voters as the leader sees them (a join may be promoted long after the nemesis stopped waiting),
and each node's own view (leader, term, voters) whenever it changes, to explain what the
cluster did."""
import threading


class LeaderMonitor:
    def __init__(self, cluster, history, interval=0.2):
        self.cluster = cluster
        self.history = history
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="leader-monitor", daemon=True)
        self.current = None
        self.views = {}
        self.voters = None

    def start(self):
        self.thread.start()

    def join(self):
        self.stop.set()
        self.thread.join()

    def run(self):
        while not self.stop.is_set():
            statuses = self.cluster.statuses(self.cluster.member_nodes(), timeout=0.3)
            self.observe(statuses)
            self.stop.wait(self.interval)

    def observe(self, statuses):
        now = self.history.clock.now()
        for node_id, status in statuses.items():
            view = node_view(status)
            if view != self.views.get(node_id):
                self.views[node_id] = view
                self.history.add("views", dict(view or {"unreachable": True}, t=now, node=node_id))
        leader = self.cluster.leader(statuses)
        term = statuses[leader]["term"] if leader is not None else None
        if leader is not None:
            voters = self.views[leader]["voters"]
            if voters != self.voters:
                self.voters = voters
                self.history.voters(voters)
        seen = (leader, term)
        if seen != self.current:
            self.current = seen
            self.history.add("leaders", {"t": self.history.clock.now(), "leader": leader, "term": term})


def node_view(status):
    if status is None:
        return None
    voters = sorted(int(m["id"]) for m in status["members"] if m["role"] == "voter")
    learners = sorted(int(m["id"]) for m in status["members"] if m["role"] != "voter")
    return {"leader": status["leader"], "term": status["term"], "voters": voters, "learners": learners}
