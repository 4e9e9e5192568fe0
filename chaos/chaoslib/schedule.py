"""The nemesis schedule, drawn entirely from the seed before the run starts.

The same seed and options give the same list of steps: when each fault starts, its kind, how
long it lasts, and every random choice it will make (as numbers in [0, 1) and a shuffle seed).
What those choices resolve to can still depend on the cluster at that moment (which node
leads), and the fault log records the resolution.
"""
import random

# Faults are drawn from the enabled kinds by weight; membership changes are rarer, as they
# are slow (a join waits for the newcomer to catch up) and each one adds a node id. The first
# steps take every enabled kind once, in a drawn order, so that a run asked to partition does
# partition, whatever its seed and however short it is (as long as it has room for them).
KIND_WEIGHTS = {"kill": 3, "pause": 3, "partition": 3, "restart": 2, "membership": 2}


def make_schedule(options):
    rng = random.Random(options.seed)
    kinds = list(options.nemesis)
    steps = []
    at = options.warmup
    each_once = rng.sample(kinds, len(kinds))
    while kinds and at < options.duration:
        if each_once:
            kind = each_once.pop(0)
        else:
            kind = rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds])[0]
        duration = rng.uniform(*options.fault_duration)
        step = {
            "index": len(steps),
            "at": round(at, 3),
            "kind": kind,
            "duration": round(duration, 3),
            "target": target_mode(options, kind, rng),
            "draws": [round(rng.random(), 6) for _ in range(4)],
            "shuffle": rng.randrange(2 ** 32),
        }
        if kind == "partition":
            step["variant"] = rng.choice(options.partition_kinds)
        if kind == "restart" and options.restart_order == "rolling":
            step["rolling"] = sum(1 for s in steps if s["kind"] == "restart")
        steps.append(step)
        at += duration + rng.uniform(*options.fault_interval)
    return steps


def target_mode(options, kind, rng):
    mode = {"kill": options.kill_target, "pause": options.pause_target,
            "restart": options.restart_target}.get(kind)
    if mode == "mixed":
        return rng.choice(("leader", "random"))
    return mode


def membership_steps(steps):
    return sum(1 for step in steps if step["kind"] == "membership")


def describe(step):
    detail = step.get("variant") or step.get("target") or ""
    return f"{step['at']:7.1f}s  {step['kind']:<10} {detail:<18} for {step['duration']:.1f}s"
