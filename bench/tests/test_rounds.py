"""The summary of scripts/bench's rounds: medians per target, ratios paired by round."""
import pathlib
import subprocess
import sys

ROUNDS = pathlib.Path(__file__).resolve().parent.parent / "rounds.py"


def summarise(*arguments):
    result = subprocess.run([sys.executable, str(ROUNDS), *arguments], capture_output=True, text=True)
    return result.returncode, result.stdout.splitlines(), result.stderr


def runs(*values):
    return "".join(f"rps={rps} p50_ms={p99 / 2} p99_ms={p99} errors={errors};" for rps, p99, errors in values)


def test_the_table_shows_each_targets_median_and_every_round():
    code, lines, _ = summarise(f"ours={runs((300, 30, 0), (100, 10, 2), (200, 50, 1))}",
                               f"etcd={runs((150, 20, 0), (150, 40, 0), (150, 30, 0))}")
    assert code == 0
    assert lines[0].split() == ["ours", "200", "15.00", "30.00", "3", "rounds:", "300", "100", "200"]
    assert lines[1].split()[:4] == ["etcd", "150", "15.00", "30.00"]


def test_ratios_compare_each_round_with_the_anchor_of_the_same_round():
    # Medians of the rates would give 200/100 = 2.0; the rounds' own ratios are 1.0, 1.0 and 5.0.
    code, lines, _ = summarise("--ratios", f"ours={runs((100, 10, 0), (200, 20, 0), (500, 10, 0))}",
                               f"etcd={runs((100, 20, 0), (200, 10, 0), (100, 40, 0))}")
    assert code == 0
    assert lines[-1] == "ratio_rps=1.00 ratio_p99=0.50"
    assert lines[0].startswith("ours / etcd: ratio_rps=1.00 ratio_p99=0.50")


def test_a_target_missing_a_round_is_an_error_not_a_ratio():
    code, _, error = summarise("--ratios", f"ours={runs((100, 10, 0))}", f"etcd={runs((100, 10, 0), (100, 10, 0))}")
    assert code != 0
    assert "one run per round" in error


def test_a_target_without_runs_is_an_error():
    code, _, error = summarise("ours=", f"etcd={runs((100, 10, 0))}")
    assert code != 0
    assert "no runs for ours" in error
