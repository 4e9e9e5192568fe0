"""The summary of bench/interleave: per variant, in order of first appearance."""
import pathlib
import subprocess
import sys

SUMMARY = pathlib.Path(__file__).resolve().parent.parent / "interleave.py"


def summarise(text):
    result = subprocess.run([sys.executable, str(SUMMARY)], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return [line.split() for line in result.stdout.splitlines()]


def line(label, rps, p99, cpu):
    return f"{label} rps={rps} p50_ms=1.00 p99_ms={p99} errors=0 cpu_us_per_post={cpu}\n"


def test_each_variant_gets_its_mean_range_p99_and_cpu_in_order_of_first_appearance():
    rows = summarise(line("new", 120, 10, 100) + line("old", 100, 20, 130) + line("new", 80, 14, 110)
                     + line("old", 110, 30, 120) + "\n")
    assert rows == [
        ["new", "runs=2", "rps_mean=100", "rps_min=80", "rps_max=120", "p99_ms_mean=12.00", "cpu_us_per_post_mean=105"],
        ["old", "runs=2", "rps_mean=105", "rps_min=100", "rps_max=110", "p99_ms_mean=25.00", "cpu_us_per_post_mean=125"],
    ]


def test_no_runs_give_no_rows():
    assert summarise("") == []


INTERLEAVE = pathlib.Path(__file__).resolve().parent.parent / "interleave"


def refused(*arguments):
    result = subprocess.run([str(INTERLEAVE), *arguments], capture_output=True, text=True, timeout=30)
    return result.returncode, result.stderr


def test_an_unknown_option_is_refused_before_any_cluster_starts():
    code, error = refused("--help")
    assert code == 2 and "unknown option --help" in error


def test_a_variant_without_a_binary_is_refused():
    code, error = refused("--rounds", "1", "nolabel")
    assert code == 2 and "not LABEL=BINARY" in error
    code, error = refused("new=/no/such/binary")
    assert code == 2 and "not an executable: /no/such/binary" in error
