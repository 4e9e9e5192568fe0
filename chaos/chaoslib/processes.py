"""The processes a run starts: Switchboard nodes and HAProxy, and the record of them that lets
the next run clean up after a runner that was itself killed -9.

Node i listens on 127.0.0.(40+i): peers on port 27000, HTTP on 28080; HAProxy on
127.0.0.40:28090. These are apart from the tests' (127.0.0.11+, 17000/18080) and the demo's
(7000/8080) so a chaos run can go on next to them.
"""
import dataclasses
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from . import network
from .options import ROOT

PEER_PORT = 27000
HTTP_PORT = 28080
BALANCER_ADDRESS = "127.0.0.40"
BALANCER_PORT = 28090
FIRST_GROUP = 47000
STATE_FILE = os.path.join(tempfile.gettempdir(), "switchboard-chaos", "running.json")


def address(node_id):
    return f"127.0.0.{40 + node_id}"


def node_group(node_id):
    """The group id node `node_id` runs with, so iptables can tell its packets apart."""
    return FIRST_GROUP + node_id


@dataclasses.dataclass
class LaunchSettings:
    """What every node is started with."""
    binary: str
    secret_file: str
    token_file: str
    tick_ms: int
    snapshot_entries: int
    read_leases: bool
    # Each node with its own group id, so partitions can single out its packets.
    separate_groups: bool


class Node:
    """One Switchboard process; `state` is what the nemesis did to it last."""

    def __init__(self, node_id, directory, launch):
        self.id = node_id
        self.launch = launch
        self.data_dir = os.path.join(directory, "data", f"n{node_id}")
        self.log_path = os.path.join(directory, "logs", f"n{node_id}.log")
        self.process = None
        self.state = "new"

    @property
    def address(self):
        return address(self.id)

    @property
    def url(self):
        return f"http://{self.address}:{HTTP_PORT}"

    @property
    def peer(self):
        return f"{self.address}:{PEER_PORT}"

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, *membership):
        """Starts the process; a restart passes no membership flags (the data dir has them)."""
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        command = [
            self.launch.binary, "start", "--node-id", str(self.id), "--data-dir", self.data_dir,
            "--peer-addr", self.peer, "--http-addr", f"{self.address}:{HTTP_PORT}",
            "--cluster-secret-file", self.launch.secret_file, "--admin-token-file", self.launch.token_file,
        ]
        if self.launch.tick_ms is not None:
            command += ["--tick-milliseconds", str(self.launch.tick_ms)]
        if self.launch.snapshot_entries is not None:
            command += ["--snapshot-entries", str(self.launch.snapshot_entries)]
        if self.launch.read_leases:
            command += ["--read-leases"]
        command += membership
        with open(self.log_path, "ab") as log:
            log.write(f"=== chaos: starting {' '.join(command)}\n".encode())
            log.flush()
            extra = {"group": node_group(self.id)} if self.launch.separate_groups else {}
            # A session of its own: a Ctrl-C at the terminal reaches the runner only, which
            # then stops every node itself.
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, **extra)
        self.state = "up"

    def signal(self, number):
        if self.running:
            try:
                self.process.send_signal(number)
            except ProcessLookupError:
                pass

    def kill(self):
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def terminate(self, timeout=20):
        """SIGTERM and wait. Returns the exit status (negative: the signal that ended it), or
        None if it had to be killed. The timeout leaves room for a crash report to be written."""
        if not self.running:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def pause(self):
        self.signal(signal.SIGSTOP)

    def resume(self):
        self.signal(signal.SIGCONT)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, "rb") as handle:
                text = handle.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class LoadBalancer:
    """HAProxy (master-worker, in the foreground) in front of every node id the run may use.

    The config names a server for each id up to `highest_id` from the start: a node not running
    is simply marked down by the health check, so membership changes need no reload.
    """

    def __init__(self, directory, highest_id):
        self.directory = directory
        self.highest_id = highest_id
        self.config_path = os.path.join(directory, "haproxy.cfg")
        self.log_path = os.path.join(directory, "logs", "haproxy.log")
        self.process = None

    @property
    def url(self):
        return f"http://{BALANCER_ADDRESS}:{BALANCER_PORT}"

    def render(self):
        with open(os.path.join(ROOT, "cluster", "haproxy.cfg.template")) as handle:
            template = handle.read()
        servers = "".join(f"    server n{i} {address(i)}:{HTTP_PORT} check\n" for i in range(1, self.highest_id + 1))
        lines = []
        for line in template.replace("@BIND@", f"{BALANCER_ADDRESS}:{BALANCER_PORT}").replace("@TLS@", "").splitlines():
            if line == "@SERVERS@":
                lines.append(servers.rstrip("\n"))
                continue
            if line in ("@TLS_HEADERS@", "@REDIRECT@"):
                continue  # plain HTTP on loopback
            lines.append(line)
            if line.strip() == "global":
                # Old workers holding WebSockets must not outlive a stop by the tunnel timeout.
                lines.append("    hard-stop-after 5s")
        with open(self.config_path, "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def start(self):
        self.render()
        check = subprocess.run(["haproxy", "-c", "-q", "-f", self.config_path], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused {self.config_path}: {check.stderr.strip()}")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(["haproxy", "-W", "-db", "-f", self.config_path],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(BALANCER_ADDRESS, BALANCER_PORT, timeout=10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def wait_for_port(host, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:g}s")


def port_in_use(host, port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            return False
        except OSError:
            return True


class RunRecord:
    """The pids of a running run, in a file, so that a later run can stop what a runner killed
    by -9 left behind (only processes whose command line still names that run's directory)."""

    def __init__(self, directory):
        self.directory = directory
        self.pids = {}

    def note(self, name, process):
        self.pids[name] = process.pid
        self.save()

    def save(self):
        os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
        with open(STATE_FILE, "w") as handle:
            json.dump({"directory": self.directory, "pids": self.pids}, handle)

    def clear(self):
        try:
            os.remove(STATE_FILE)
        except FileNotFoundError:
            pass


def clean_up_abandoned_run():
    """Stops the processes and removes the iptables chain of an earlier run that did not clean
    up after itself. Returns a description of what it did, or None."""
    try:
        with open(STATE_FILE) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    stopped = []
    for name, pid in record.get("pids", {}).items():
        if started_by(pid, record.get("directory", "")):
            for number in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(pid, number)
                except ProcessLookupError:
                    pass
            stopped.append(f"{name} (pid {pid})")
    network.remove_chain()
    os.remove(STATE_FILE)
    if not stopped:
        return "removed the record of an earlier run (its processes were gone)"
    return "stopped processes an earlier run left behind: " + ", ".join(stopped)


def started_by(pid, directory):
    """Whether `pid` is still a process whose command line names `directory`."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command_line = handle.read().decode(errors="replace")
    except OSError:
        return False
    return bool(directory) and directory in command_line
