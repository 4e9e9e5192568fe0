"""The micro-benchmarks of scripts/bench run to the end and print one line each (debug build,
a twentieth of a second each: this checks that they work, not how fast they are)."""
import os
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
BINARY = ROOT / ".build" / "debug" / "switchboard-bench"
# desk-memory and desk-snapshot-100k apply 100,000 messages and more: minutes in a debug build.
NAMES = ["codec", "desk-apply", "desk-apply-encoded", "desk-apply-stored", "desk-list", "desk-live-stats",
         "raft-commit-1", "raft-commit-64", "rocksdb-append-1", "rocksdb-append-64"]


def test_every_micro_benchmark_runs_and_prints_its_line():
    result = subprocess.run([str(BINARY), *NAMES], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "BENCH_SECONDS": "0.05"})
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == NAMES
    for line in lines:
        assert re.fullmatch(r"bench \S+ ops_per_s=\d+ ns_per_op=\d+ ops=[1-9]\d*", line), line


def test_an_unknown_benchmark_is_refused():
    result = subprocess.run([str(BINARY), "no-such-benchmark"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown benchmark(s): no-such-benchmark" in result.stdout
