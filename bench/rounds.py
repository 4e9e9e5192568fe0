#!/usr/bin/env python3
"""Summarises the rounds of scripts/bench.

Each argument is NAME=RUN;RUN;… where RUN is one wrk summary line
(`rps=N p50_ms=N p99_ms=N errors=N`), one per round, in round order. The last argument names the
anchor (etcd). Without --ratios: one table row per target with the median over the rounds and
every round's rate. With --ratios: each target against the anchor run of the same round (so that
the machine's drift between rounds cancels), the median over the rounds, and last the line
`ratio_rps=… ratio_p99=…` for the first target.
"""
import statistics
import sys


def parse_runs(argument):
    name, _, text = argument.partition("=")
    runs = []
    for line in filter(None, text.split(";")):
        runs.append({key: float(value) for key, value in (item.split("=") for item in line.split())})
    if not runs:
        sys.exit(f"rounds: no runs for {name}")
    return name, runs


def table(targets):
    for name, runs in targets:
        median = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms")}
        errors = sum(int(run["errors"]) for run in runs)
        rounds = " ".join(str(int(run["rps"])) for run in runs)
        print(f"{name:<28} {int(median['rps']):>10} {median['p50_ms']:>10.2f} {median['p99_ms']:>10.2f} {errors:>8}"
              f"   rounds: {rounds}")


def paired_ratio(runs, anchor, key):
    if len(runs) != len(anchor):
        sys.exit("rounds: every target needs one run per round")
    return statistics.median(run[key] / base[key] for run, base in zip(runs, anchor))


def ratios(targets):
    anchor_name, anchor = targets[-1]
    for name, runs in targets[:-1]:
        print(f"{name} / {anchor_name}: ratio_rps={paired_ratio(runs, anchor, 'rps'):.2f}"
              f" ratio_p99={paired_ratio(runs, anchor, 'p99_ms'):.2f} (median of {len(runs)} rounds)")
    _, first = targets[0]
    print(f"ratio_rps={paired_ratio(first, anchor, 'rps'):.2f} ratio_p99={paired_ratio(first, anchor, 'p99_ms'):.2f}")


def main(arguments):
    want_ratios = arguments[:1] == ["--ratios"]
    targets = [parse_runs(argument) for argument in arguments[1 if want_ratios else 0:]]
    if len(targets) < 2:
        sys.exit("usage: rounds.py [--ratios] NAME=RUN;… … ANCHOR=RUN;…")
    (ratios if want_ratios else table)(targets)


if __name__ == "__main__":
    main(sys.argv[1:])
