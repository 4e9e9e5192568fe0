"""Real Switchboard processes on loopback addresses, for the multi-process tests.

Node i runs on 127.0.0.(10+i): peer port 17000, HTTP port 18080 (ports apart from the demo's,
so a running demo cluster does not interfere). SWITCHBOARD_TEST_NETWORK (default "127.0.0") moves
every address to another /24 of loopback, so two checkouts can run their tests at once. Every process a test starts is stopped by
`Cluster.close()`, which the fixtures call even when a test fails.
"""
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, ".build", "debug", "switchboard"))
NETWORK = os.environ.get("SWITCHBOARD_TEST_NETWORK", "127.0.0")
assert NETWORK.startswith("127."), "tests only ever target loopback addresses"
PEER_PORT = 17000
HTTP_PORT = 18080


def address(node):
    return f"{NETWORK}.{10 + node}"


class Node:
    def __init__(self, cluster, node_id):
        self.cluster = cluster
        self.id = node_id
        self.process = None
        self.data_dir = os.path.join(cluster.directory, f"n{node_id}")
        self.log_path = os.path.join(cluster.directory, f"n{node_id}.log")

    @property
    def url(self):
        return f"http://{address(self.id)}:{HTTP_PORT}"

    @property
    def peer(self):
        return f"{address(self.id)}:{PEER_PORT}"

    def start(self, *membership, secret_file=None):
        log = open(self.log_path, "ab")
        command = [
            BINARY, "start", "--node-id", str(self.id), "--data-dir", self.data_dir,
            "--peer-addr", self.peer, "--http-addr", f"{address(self.id)}:{HTTP_PORT}",
            "--cluster-secret-file", secret_file or self.cluster.secret_file,
            "--admin-token-file", self.cluster.token_file, "--tick-milliseconds", "20",
            "--snapshot-entries", str(self.cluster.snapshot_entries),
            "--proposal-timeout-milliseconds", str(self.cluster.proposal_timeout_ms),
            # Fewer PBKDF2 rounds than production, so tests that create users stay fast.
            "--password-hash-rounds", "2000", *membership,
        ] + (["--read-leases"] if self.cluster.read_leases else [])
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode(errors="replace")

    def get(self, path, **kwargs):
        return requests.get(self.url + path, headers=self.cluster.headers, timeout=5, **kwargs)

    def metrics(self):
        """The samples of the node's /metrics, by series: the name, with its labels if any
        (`switchboard_peer_reachable{peer="2"}`)."""
        samples = {}
        for line in requests.get(self.url + "/metrics", timeout=5).text.splitlines():
            series, _, value = line.rpartition(" ")
            if line and not line.startswith("#"):
                samples[series] = float(value)
        return samples

    def status(self):
        try:
            reply = self.get("/v1/cluster")
            return reply.json() if reply.status_code == 200 else None
        except requests.RequestException:
            return None

    def ready(self):
        try:
            return requests.get(self.url + "/health/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False


class Cluster:
    def __init__(self, size=3, snapshot_entries=10000, proposal_timeout_ms=5000, read_leases=False):
        self.directory = tempfile.mkdtemp(prefix="switchboard-cluster-")
        self.read_leases = read_leases
        self.snapshot_entries = snapshot_entries
        self.proposal_timeout_ms = proposal_timeout_ms
        self.secret_file = self._write("cluster-secret", secrets.token_hex(32))
        self.token = secrets.token_hex(32)
        self.token_file = self._write("admin-token", self.token)
        self.headers = {"Authorization": f"Bearer {self.token}"}
        self.nodes = {i: Node(self, i) for i in range(1, size + 1)}

    def _write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        return path

    def start(self):
        spec = ",".join(f"{n.id}={n.peer}" for n in self.nodes.values())
        for node in self.nodes.values():
            node.start("--initial-cluster", spec)
        self.wait_until(lambda: all(n.ready() for n in self.nodes.values()), "all nodes ready")
        return self

    def add_node(self, node_id, secret_file=None):
        node = Node(self, node_id)
        self.nodes[node_id] = node
        node.start("--join", self.any_running().url, secret_file=secret_file)
        return node

    def any_running(self):
        return next(n for n in self.nodes.values() if n.running)

    def leader(self, timeout=10):
        def find():
            for node in self.nodes.values():
                if not node.running:
                    continue
                status = node.status()
                if status and status["leader"] == str(node.id):
                    return node
            return None
        return self.wait_until(find, "a leader")

    def wait_until(self, probe, what, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; logs in {self.directory}")

    def write(self, node, key, value, timeout=5):
        return requests.put(f"{node.url}/v1/registers/{key}", json={"value": value},
                            headers=self.headers, timeout=timeout)

    def read(self, node, key, stale=False):
        suffix = "?consistency=stale" if stale else ""
        return requests.get(f"{node.url}/v1/registers/{key}{suffix}", headers=self.headers, timeout=5)

    def close(self, keep_on_failure=False):
        for node in self.nodes.values():
            node.kill()
        if not keep_on_failure:
            shutil.rmtree(self.directory, ignore_errors=True)


class LoadBalancer:
    """HAProxy in front of a harness cluster (cluster/load-balancer), on 127.0.0.10:18090."""

    def __init__(self, cluster, certificate=None, redirect_port=None):
        """`certificate`: a PEM file with a certificate and its key, for HTTPS on the same address;
        `redirect_port`: a plain-HTTP port on that host that redirects to it."""
        self.cluster = cluster
        self.certificate = certificate
        self.redirect_port = redirect_port
        self.url = f"{'https' if certificate else 'http'}://{NETWORK}.10:18090"
        for node in cluster.nodes.values():
            with open(os.path.join(cluster.directory, f"n{node.id}.pid"), "w") as handle:
                handle.write(str(node.process.pid))

    def start(self):
        command = [os.path.join(ROOT, "cluster", "load-balancer"), "start", "--dir", self.cluster.directory,
                   "--bind", f"{NETWORK}.10:18090", "--node-port", str(HTTP_PORT), "--node-network", NETWORK]
        if self.certificate:
            command += ["--tls-certificate", self.certificate]
        if self.redirect_port:
            command += ["--redirect-bind", f"{NETWORK}.10:{self.redirect_port}"]
        subprocess.run(command, check=True, capture_output=True)
        return self

    def stop(self):
        subprocess.run([os.path.join(ROOT, "cluster", "load-balancer"), "stop", "--dir", self.cluster.directory],
                       capture_output=True)
