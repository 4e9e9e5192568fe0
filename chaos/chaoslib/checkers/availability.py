"""Availability: how often requests succeeded, and the longest stretch without a successful write
while a majority of the voters was up.

"A majority up" comes from the fault log alone: at each moment, the voters whose process runs
and is not paused, with the partitions in force; a majority is up when some majority of the
voters are all up and can all reach each other both ways. Outside those moments Raft is
allowed to stop writing; inside them every second without an acknowledged write is
unavailability the cluster owes an explanation for (an election, a slow catch-up…).

Successful writes include the availability probe's (workloads/probe.py), which never waits on one
node for long; the workload clients do, and alone would blame the cluster for their own wait.
The ok fraction is over the workload clients' requests, the probe's is given apart.

It is a measurement, not a safety property, so it is a violation only when asked for with a
limit (`max_unavailable`), or when the cluster never took a write again after the heal.
"""
import itertools
import math

from . import result, violation

NAME = "availability"
BUCKET_SECONDS = 0.1


def check(history, max_unavailable=None):
    start, end = workload_window(history)
    requests = history["requests"]
    intervals = majority_up_intervals(history, start, end)
    writes = sorted(r["end"] for r in requests if r["ok"] and r["write"] and start <= r["end"] <= end)
    window = longest_gap(writes, intervals)
    summary = {
        "ok_fraction": ok_fraction([r for r in requests if r["workload"] != "probe"]),
        "ok_fraction_by_workload": {name: ok_fraction([r for r in requests if r["workload"] == name])
                                    for name in sorted({r["workload"] for r in requests})},
        "requests": len(requests),
        "buckets": bucket_summary(buckets(requests, start, end)),
        "majority_up_seconds": round(sum(b - a for a, b in intervals), 3),
        "longest_unavailable_with_majority_seconds": round(window[1] - window[0], 3) if window else 0.0,
        "longest_unavailable_window": [round(window[0], 3), round(window[1], 3)] if window else None,
        "faults_during_longest_window": faults_between(history["faults"], *window) if window else [],
    }
    summary.update(recovery(history, writes))
    violations = []
    if summary["first_write_after_heal_seconds"] is None and history_has_phase(history, "heal"):
        violations.append(violation(NAME, "no-recovery", "no write succeeded after the heal"))
    longest = summary["longest_unavailable_with_majority_seconds"]
    if max_unavailable is not None and longest > max_unavailable:
        violations.append(violation(NAME, "unavailable", f"no write succeeded for {longest:.2f}s while a majority "
                                    f"was up (limit {max_unavailable:g}s)", window=summary["longest_unavailable_window"]))
    return result(NAME, violations, summary)


def workload_window(history):
    phases = {p["name"]: p["t"] for p in history["phases"]}
    start = phases.get("workload-start", 0.0)
    end = phases.get("workload-end", max((r["end"] for r in history["requests"]), default=start))
    return start, end


def history_has_phase(history, name):
    return any(p["name"] == name for p in history["phases"])


def ok_fraction(requests):
    return round(sum(1 for r in requests if r["ok"]) / len(requests), 4) if requests else None


def buckets(requests, start, end, width=BUCKET_SECONDS):
    """[(ok, failed)] per `width` seconds from start to end, by completion time."""
    count = max(1, math.ceil((end - start) / width))
    counts = [[0, 0] for _ in range(count)]
    for r in requests:
        position = int((r["end"] - start) / width)
        if 0 <= position < count:
            counts[position][0 if r["ok"] else 1] += 1
    return counts


def bucket_summary(counts):
    """How the per-100 ms ok fractions spread: their mean, and how many buckets that had
    requests had no successful one."""
    fractions = [ok / (ok + failed) for ok, failed in counts if ok + failed]
    return {"width_seconds": BUCKET_SECONDS, "with_requests": len(fractions),
            "mean_ok_fraction": round(sum(fractions) / len(fractions), 4) if fractions else None,
            "without_success": sum(1 for fraction in fractions if fraction == 0)}


def majority_up_intervals(history, start, end):
    """Maximal [a, b) intervals within [start, end] during which a majority of voters was up."""
    changes = sorted({start, end} | {e["t"] for e in history["node_events"]} | {v["t"] for v in history["voters"]}
                     | {f[k] for f in partitions(history) for k in ("start", "end")})
    changes = [t for t in changes if start <= t <= end]
    intervals = []
    for a, b in zip(changes, changes[1:]):
        if a < b and majority_up_at(history, a):
            if intervals and intervals[-1][1] == a:
                intervals[-1] = (intervals[-1][0], b)
            else:
                intervals.append((a, b))
    return intervals


def partitions(history):
    return [f for f in history["faults"] if f["kind"] == "partition" and not f.get("skipped") and f.get("end")]


def majority_up_at(history, moment):
    voters = set()
    for entry in sorted(history["voters"], key=lambda e: e["t"]):
        if entry["t"] <= moment:
            voters = set(entry["voters"])
    states = {}
    for event in sorted(history["node_events"], key=lambda e: e["t"]):
        if event["t"] <= moment:
            states[event["node"]] = event["state"]
    blocked = set()
    for fault in partitions(history):
        if fault["start"] <= moment < fault["end"]:
            blocked |= {tuple(edge) for edge in fault["details"].get("blocked", [])}
    up = sorted(v for v in voters if states.get(v) == "up")
    needed = len(voters) // 2 + 1
    return any(all((a, b) not in blocked and (b, a) not in blocked for a, b in itertools.combinations(group, 2))
               for size in range(needed, len(up) + 1) for group in itertools.combinations(up, size))


def longest_gap(writes, intervals):
    """The longest (a, b) inside one majority-up interval with no write completing strictly inside."""
    best = None
    position = 0
    for low, high in intervals:
        previous = low
        while position < len(writes) and writes[position] < low:
            position += 1
        while position < len(writes) and writes[position] <= high:
            best = wider(best, (previous, writes[position]))
            previous = writes[position]
            position += 1
        best = wider(best, (previous, high))
    return best


def wider(best, candidate):
    return candidate if best is None or candidate[1] - candidate[0] > best[1] - best[0] else best


def faults_between(faults, low, high):
    return [f"{f['kind']} n{','.join(map(str, f['nodes']))} [{f['start']:.1f}s-{f['end']:.1f}s]"
            for f in faults if not f.get("skipped") and f["start"] < high and (f.get("end") or math.inf) > low]


def recovery(history, writes):
    """Times from the heal to the first acknowledged client write and to a healthy cluster."""
    phases = {p["name"]: p["t"] for p in history["phases"]}
    heal = phases.get("heal")
    if heal is None:
        return {"first_write_after_heal_seconds": None, "recovery_after_heal_seconds": None}
    after = [t for t in writes if t >= heal]
    recovered = phases.get("recovered")
    return {"first_write_after_heal_seconds": round(after[0] - heal, 3) if after else None,
            "recovery_after_heal_seconds": round(recovered - heal, 3) if recovered is not None else None}
