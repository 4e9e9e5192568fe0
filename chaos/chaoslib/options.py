"""Run options: defaults, overridden by a scenario file, overridden by command-line flags."""
import argparse
import dataclasses
import json
import os
import random
import re

CHAOS_DIRECTORY = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ROOT = os.path.abspath(os.path.join(CHAOS_DIRECTORY, ".."))
SCENARIO_DIRECTORY = os.path.join(CHAOS_DIRECTORY, "scenarios")

NEMESES = ("kill", "pause", "partition", "restart", "membership")
WORKLOADS = ("messages", "register", "subscribers", "deliveries")
PARTITION_KINDS = ("leader-minority", "follower-minority", "random-halves", "one-way", "bridge")
TARGETS = ("leader", "random", "mixed")


@dataclasses.dataclass
class Options:
    nodes: int = 5
    duration: float = 120.0
    nemesis: list = dataclasses.field(default_factory=lambda: list(NEMESES))
    workload: list = dataclasses.field(default_factory=lambda: list(WORKLOADS))
    seed: int = None
    report: str = None
    scenario: str = None
    binary: str = None
    # Which node a kill, pause or restart hits: the leader, a random member, or either.
    kill_target: str = "mixed"
    pause_target: str = "mixed"
    restart_target: str = "mixed"
    # `rolling` restarts every member in turn instead of drawing faults at random.
    restart_order: str = "random"
    partition_kinds: list = dataclasses.field(default_factory=lambda: list(PARTITION_KINDS))
    # Seconds of calm between two faults, and how long a fault lasts (uniform in the range).
    fault_interval: tuple = (2.0, 5.0)
    fault_duration: tuple = (3.0, 8.0)
    # Calm before the first fault, so the timeline shows the healthy baseline.
    warmup: float = 3.0
    # Load kept running after the heal, so the report shows the recovery.
    after_heal: float = 5.0
    message_clients: int = 4
    delivery_clients: int = 2
    register_clients: int = 3
    subscribers: int = 3
    conversations: int = 16
    register_keys: int = 4
    client_timeout: float = 2.0
    # A write every this often for the availability measurement (0: none); see workloads/probe.py.
    probe_interval: float = 0.05
    # Messages are retried with the same Idempotency-Key until this long after the first try.
    message_deadline: float = 10.0
    # Raft tick and snapshot interval of the nodes; None keeps the node's defaults (50 ms,
    # 10000 entries). A small --snapshot-entries makes restarted nodes catch up by snapshot.
    tick_ms: int = None
    snapshot_entries: int = None
    # Start the nodes with --read-leases (the leader answers reads under a lease).
    read_leases: bool = False
    recovery_timeout: float = 90.0
    keep_data: bool = False
    # Linearizability search budget per register key, in search steps.
    linearizability_budget: int = 5_000_000
    # When set, a longer stretch without a write while a majority was up is a violation.
    max_unavailable: float = None

    @property
    def name(self):
        return self.scenario or "custom"

    def replay_command(self):
        leases = " --read-leases" if self.read_leases else ""
        if self.scenario:
            return f"chaos/run --scenario {self.scenario} --seed {self.seed}{leases}"
        return (f"chaos/run --nodes {self.nodes} --duration {format_seconds(self.duration)} "
                f"--nemesis {','.join(self.nemesis) or 'none'} --workload {','.join(self.workload)} "
                f"--seed {self.seed}{leases}")


def format_seconds(seconds):
    return f"{seconds:g}s"


def parse_duration(text):
    """`120s`, `2m`, `500ms` or a plain number of seconds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?\s*", str(text))
    if not match:
        raise ValueError(f"not a duration: {text!r} (use 120s, 2m, 500ms)")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]


def parse_range(text):
    """`2-5s`, `300ms-1500ms` or `3` (a fixed value) as a (low, high) pair of seconds; a part
    without a unit takes the unit of the last part."""
    parts = str(text).strip().split("-")
    if len(parts) > 2:
        raise ValueError(f"not a range: {text!r} (use 2-5s)")
    unit = re.search(r"(ms|s|m|h)$", parts[-1])
    suffix = unit.group(1) if unit else ""
    values = [parse_duration(part if re.search(r"[a-z]$", part) else part + suffix) for part in parts]
    low, high = values[0], values[-1]
    if low > high:
        raise ValueError(f"range {text!r} is upside down")
    return (low, high)


def parse_list(text, allowed, what):
    if isinstance(text, (list, tuple)):
        items = [str(item).strip() for item in text]
    else:
        items = [item.strip() for item in str(text).split(",")]
    items = [item for item in items if item and item != "none"]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(allowed)})")
    return items


def parse_bool(text):
    if isinstance(text, bool):
        return text
    return str(text).strip().lower() in ("1", "true", "yes", "on")


def parse_choice(allowed):
    def parse(text):
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text
    return parse


# How each option is read from text, whether it came from a scenario file or a flag.
PARSERS = {
    "nodes": int,
    "duration": parse_duration,
    "nemesis": lambda text: parse_list(text, NEMESES, "nemesis"),
    "workload": lambda text: parse_list(text, WORKLOADS, "workload"),
    "seed": int,
    "report": str,
    "binary": str,
    "kill_target": parse_choice(TARGETS),
    "pause_target": parse_choice(TARGETS),
    "restart_target": parse_choice(TARGETS),
    "restart_order": parse_choice(("random", "rolling")),
    "partition_kinds": lambda text: parse_list(text, PARTITION_KINDS, "partition kind"),
    "fault_interval": parse_range,
    "fault_duration": parse_range,
    "warmup": parse_duration,
    "after_heal": parse_duration,
    "message_clients": int,
    "delivery_clients": int,
    "register_clients": int,
    "subscribers": int,
    "conversations": int,
    "register_keys": int,
    "client_timeout": parse_duration,
    "probe_interval": parse_duration,
    "message_deadline": parse_duration,
    "tick_ms": int,
    "snapshot_entries": int,
    "read_leases": parse_bool,
    "recovery_timeout": parse_duration,
    "keep_data": parse_bool,
    "linearizability_budget": int,
    "max_unavailable": parse_duration,
}


def read_scenario(name):
    """A scenario file: a JSON object, or `key=value` lines with `#` comments."""
    path = name if os.path.sep in name else os.path.join(SCENARIO_DIRECTORY, name)
    if not os.path.exists(path):
        known = ", ".join(sorted(os.listdir(SCENARIO_DIRECTORY)))
        raise ValueError(f"no scenario {name!r} (known: {known})")
    with open(path) as handle:
        text = handle.read()
    if text.lstrip().startswith("{"):
        # Keys starting with an underscore are comments.
        return {key.replace("-", "_"): value for key, value in json.loads(text).items() if not key.startswith("_")}
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"{path}:{number}: expected key=value")
        key, value = line.split("=", 1)
        values[key.strip().replace("-", "_")] = value.strip()
    return values


def apply_values(options, values, source):
    for key, text in values.items():
        if key not in PARSERS:
            raise ValueError(f"{source}: unknown option {key!r}")
        try:
            setattr(options, key, PARSERS[key](text))
        except ValueError as error:
            raise ValueError(f"{source}: {key}: {error}") from None


def argument_parser():
    parser = argparse.ArgumentParser(
        prog="chaos/run",
        description="Runs a Switchboard cluster under faults and load, then checks the history.")
    parser.add_argument("--scenario", help="named combination in chaos/scenarios (flags given here override it)")
    parser.add_argument("--recheck", metavar="DIR", help="check the history saved in DIR again; starts nothing")
    for key in PARSERS:
        flag = "--" + key.replace("_", "-")
        if PARSERS[key] is parse_bool:
            parser.add_argument(flag, dest=key, action="store_const", const="true", default=None)
        else:
            parser.add_argument(flag, dest=key, default=None)
    return parser


def parse_arguments(argv):
    """Options from defaults, the scenario, then flags; the seed is drawn if none is given."""
    arguments = argument_parser().parse_args(argv)
    options = Options()
    if arguments.scenario:
        apply_values(options, read_scenario(arguments.scenario), f"scenario {arguments.scenario}")
        options.scenario = arguments.scenario
    flags = {key: value for key, value in vars(arguments).items() if key in PARSERS and value is not None}
    apply_values(options, flags, "command line")
    if options.seed is None:
        options.seed = random.SystemRandom().randrange(1, 1_000_000)
    if options.binary is None:
        options.binary = os.environ.get("SWITCHBOARD_BIN") or os.path.join(ROOT, ".build", "debug", "switchboard")
    validate(options)
    return options, arguments


def validate(options):
    if not 3 <= options.nodes <= 7:
        raise ValueError("--nodes must be 3 to 7")
    if options.duration <= 0:
        raise ValueError("--duration must be positive")
    if not options.workload:
        raise ValueError("--workload needs at least one of " + ", ".join(WORKLOADS))
