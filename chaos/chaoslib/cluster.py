"""The cluster a run starts: its nodes, who is a member, HAProxy in front, and status queries."""
import concurrent.futures
import os
import secrets
import threading
import time

import requests

from .client import error_code
from .processes import LaunchSettings, LoadBalancer, Node, RunRecord


class Cluster:
    def __init__(self, options, directory, history, separate_groups, highest_id):
        self.options = options
        self.directory = directory
        self.history = history
        self.token = secrets.token_hex(32)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.launch = LaunchSettings(
            binary=options.binary, secret_file=self.write_secret("cluster-secret", secrets.token_hex(32)),
            token_file=self.write_secret("admin-token", self.token), tick_ms=options.tick_ms,
            snapshot_entries=options.snapshot_entries, read_leases=options.read_leases,
            separate_groups=separate_groups)
        self.nodes = {}
        self.members = set()
        self.next_id = options.nodes + 1
        self.highest_id = highest_id
        self.balancer = LoadBalancer(directory, highest_id)
        self.record = RunRecord(directory)
        self.lock = threading.Lock()
        self.closed = False
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="status")
        self.session = requests.Session()

    def write_secret(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        return path

    # Processes

    def start(self, ready_timeout=60):
        founders = [self.new_node(i) for i in range(1, self.options.nodes + 1)]
        spec = ",".join(f"{node.id}={node.peer}" for node in founders)
        for node in founders:
            self.start_node(node, "--initial-cluster", spec)
        self.members = {node.id for node in founders}
        self.history.voters(self.members)
        self.wait_until(lambda: all(self.ready(node) for node in founders), ready_timeout, "every node ready")
        self.balancer.start()
        self.record.note("haproxy", self.balancer.process)
        self.wait_until(lambda: self.balancer_ready(), 20, "HAProxy to see a ready node")

    def new_node(self, node_id):
        if node_id > self.highest_id:
            raise RuntimeError(f"node id {node_id} is above the {self.highest_id} HAProxy knows")
        node = Node(node_id, self.directory, self.launch)
        self.nodes[node_id] = node
        return node

    def start_node(self, node, *membership):
        # Under the lock, so that once `stop_everything` began no thread starts a node again.
        with self.lock:
            if self.closed:
                raise RuntimeError("the cluster is being stopped")
            node.start(*membership)
            self.record.note(f"n{node.id}", node.process)
        self.history.node_state(node.id, "up")

    def allocate_id(self):
        with self.lock:
            node_id = self.next_id
            self.next_id += 1
            return node_id

    def stop_everything(self):
        """Every process this run started, whatever state it is in (paused ones included)."""
        with self.lock:
            self.closed = True
        for node in list(self.nodes.values()):
            node.kill()
        self.balancer.stop()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.record.clear()

    # Queries

    def member_nodes(self):
        with self.lock:
            return [self.nodes[i] for i in sorted(self.members)]

    def running_members(self):
        return [node for node in self.member_nodes() if node.running and node.state == "up"]

    def status(self, node, timeout=0.5):
        try:
            reply = self.session.get(node.url + "/v1/cluster", headers=self.headers, timeout=timeout)
            return reply.json() if reply.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None

    def statuses(self, nodes=None, timeout=0.5):
        """Every node's /v1/cluster in parallel (a paused node costs one timeout, not one each)."""
        nodes = self.member_nodes() if nodes is None else nodes
        futures = {node.id: self.pool.submit(self.status, node, timeout) for node in nodes}
        return {node_id: future.result() for node_id, future in futures.items()}

    def leader(self, statuses=None):
        """The node that says it leads, with the highest term; None if there is none."""
        statuses = self.statuses() if statuses is None else statuses
        leaders = [(s["term"], node_id) for node_id, s in statuses.items()
                   if s and s.get("leader") == s.get("nodeId") and s.get("leader")]
        return max(leaders)[1] if leaders else None

    def voters_seen_by_leader(self):
        """(leader id, voter ids, learner ids) from the leader's view, or None."""
        statuses = self.statuses()
        leader = self.leader(statuses)
        if leader is None:
            return None
        members = statuses[leader]["members"]
        voters = {int(m["id"]) for m in members if m["role"] == "voter"}
        learners = {int(m["id"]) for m in members if m["role"] != "voter"}
        return leader, voters, learners

    def ready(self, node):
        try:
            return self.session.get(node.url + "/health/ready", timeout=0.5).status_code == 200
        except requests.RequestException:
            return False

    def balancer_ready(self):
        try:
            reply = self.session.get(self.balancer.url + "/health/ready", timeout=1)
            return reply.status_code == 200
        except requests.RequestException:
            return False

    def admin_request(self, method, path, body=None, deadline=20.0):
        """Sends a membership request to the leader, retrying until it is answered with a
        success or a definite refusal. Returns (status or None, body, attempts)."""
        stop_at = time.monotonic() + deadline
        attempts = []
        while time.monotonic() < stop_at:
            leader_id = self.leader()
            if leader_id is not None:
                attempt = {"t": round(self.history.clock.now(), 3), "to": leader_id}
                attempts.append(attempt)
                try:
                    reply = self.session.request(method, self.nodes[leader_id].url + path, json=body,
                                                 headers=self.headers, timeout=5)
                    attempt["status"] = reply.status_code
                    answer = safe_json(reply)
                    if membership_answer_is_final(reply.status_code, answer):
                        return reply.status_code, answer, attempts
                except requests.RequestException as error:
                    attempt["error"] = type(error).__name__
            time.sleep(0.2)
        return None, None, attempts

    def wait_until(self, probe, timeout, what, interval=0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}; logs in {self.directory}/logs")

    def try_wait(self, probe, timeout, interval=0.1):
        try:
            return self.wait_until(probe, timeout, "", interval)
        except TimeoutError:
            return None


def membership_answer_is_final(status, body):
    """Whether an answer to a membership request ends it. 421 (not the leader) and 503 (no
    leader, overloaded) are asked of the leader again, and so is 409 change_pending: the node
    already retried for an election timeout, and the change in the way (most often a new
    leader's first entry, or the previous change of this run) completes on its own."""
    if status in (421, 503):
        return False
    return not (status == 409 and error_code(body) == "change_pending")


def safe_json(reply):
    try:
        return reply.json()
    except ValueError:
        return None

