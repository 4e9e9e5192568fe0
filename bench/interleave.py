#!/usr/bin/env python3
"""Summarises bench/interleave: reads its run lines (`LABEL rps=N p50_ms=N p99_ms=N errors=N
cpu_us_per_post=N`) on stdin and prints, per label in order of first appearance, the number of
runs, the mean and the range of the rate, the mean p99 and the mean CPU time per post."""
import statistics
import sys


def summarise(lines):
    runs = {}
    for line in lines:
        label, *fields = line.split() or [""]
        if not fields:
            continue
        values = {key: float(value) for key, value in (field.split("=") for field in fields)}
        runs.setdefault(label, []).append(values)
    rows = []
    for label, values in runs.items():
        rates = [run["rps"] for run in values]
        rows.append(
            f"{label} runs={len(values)} rps_mean={statistics.mean(rates):.0f} "
            f"rps_min={min(rates):.0f} rps_max={max(rates):.0f} "
            f"p99_ms_mean={statistics.mean(run['p99_ms'] for run in values):.2f} "
            f"cpu_us_per_post_mean={statistics.mean(run['cpu_us_per_post'] for run in values):.0f}")
    return rows


if __name__ == "__main__":
    for row in summarise(sys.stdin.read().splitlines()):
        print(row)
