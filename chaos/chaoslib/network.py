"""Network partitions between the nodes' loopback addresses, with iptables.

Every rule lives in one chain, SWITCHBOARD-CHAOS, jumped to from OUTPUT, so healing is one
flush and cleaning up is flush + delete, whatever state a run ended in.

Why the rules match the sender's group and not only its source address: a node does not bind
its outgoing peer connections, so the kernel gives them the source address 127.0.0.1 whatever
node dials. Each node therefore runs with its own group id (see `processes.node_group`), and
"node A cannot send to node B" is `-m owner --gid-owner <A's group> -d <B's address> -j DROP`.
Each node dials every peer for its own outbound traffic, so this cuts exactly A's messages to
B (one direction); a symmetric partition adds the reverse rule. A second rule with
`-s <A's address>` also catches any traffic that is bound to A's address.
"""
import shutil
import subprocess

CHAIN = "SWITCHBOARD-CHAOS"
# Group ids reserved for the test rule that checks the owner match works.
PROBE_GROUP = 46999
PROBE_ADDRESS = "127.0.0.254"


class IptablesError(RuntimeError):
    pass


def iptables(*arguments, check=True):
    # -w waits for the xtables lock instead of failing when another iptables runs.
    reply = subprocess.run(["iptables", "-w", *arguments], capture_output=True, text=True, timeout=30)
    if check and reply.returncode != 0:
        raise IptablesError(f"iptables {' '.join(arguments)}: {reply.stderr.strip()}")
    return reply


class Partitioner:
    """Installs and removes partitions; `usable` is False (with `reason`) when it cannot."""

    def __init__(self, address_of, group_of):
        self.address_of = address_of
        self.group_of = group_of
        self.usable = False
        self.reason = ""
        self.blocked = set()

    def probe(self):
        """Creates the chain and adds and removes a test rule; records why if that fails."""
        if shutil.which("iptables") is None:
            self.reason = "iptables is not installed (scripts/install-deps installs it)"
            return False
        try:
            remove_chain()
            iptables("-N", CHAIN)
            iptables("-I", "OUTPUT", "-j", CHAIN)
            probe = ["-m", "owner", "--gid-owner", str(PROBE_GROUP), "-d", PROBE_ADDRESS, "-j", "DROP"]
            iptables("-A", CHAIN, *probe)
            iptables("-D", CHAIN, *probe)
        except (IptablesError, OSError, subprocess.TimeoutExpired) as error:
            self.reason = f"iptables is not usable here: {error}"
            remove_chain()
            return False
        self.usable = True
        return True

    def block(self, edges):
        """Drops traffic along each directed edge (sender, receiver) of node ids."""
        for sender, receiver in edges:
            if (sender, receiver) in self.blocked:
                continue
            destination = self.address_of(receiver)
            iptables("-A", CHAIN, "-m", "owner", "--gid-owner", str(self.group_of(sender)),
                     "-d", destination, "-j", "DROP")
            iptables("-A", CHAIN, "-s", self.address_of(sender), "-d", destination, "-j", "DROP")
            self.blocked.add((sender, receiver))

    def heal(self):
        if self.usable:
            iptables("-F", CHAIN, check=False)
        self.blocked = set()

    def close(self):
        if self.usable:
            remove_chain()
        self.usable = False


def remove_chain():
    """Removes the chain and every jump to it; harmless when it does not exist."""
    if shutil.which("iptables") is None:
        return
    for _ in range(10):
        if iptables("-D", "OUTPUT", "-j", CHAIN, check=False).returncode != 0:
            break
    iptables("-F", CHAIN, check=False)
    iptables("-X", CHAIN, check=False)


def directed_edges(side_a, side_b):
    """Both directions between every node of side_a and every node of side_b."""
    edges = []
    for a in side_a:
        for b in side_b:
            edges += [(a, b), (b, a)]
    return edges
