"""The short chaos run: kills, pauses and partitions on three nodes for a minute (chaos/run
--scenario ci), which must find no violation and leave no process or iptables rule behind."""
import json
import os
import shutil
import signal
import subprocess

from harness import BINARY, ROOT

RUN_SECONDS_MAX = 600


def test_one_minute_of_kills_pauses_and_partitions_finds_no_violation(tmp_path):
    report_directory = tmp_path / "report"
    command = [os.path.join(ROOT, "chaos", "run"), "--scenario", "ci", "--binary", BINARY,
               "--report", str(report_directory)]
    runner = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = runner.communicate(timeout=RUN_SECONDS_MAX)
    except subprocess.TimeoutExpired:
        runner.send_signal(signal.SIGTERM)  # the runner stops everything it started
        output, _ = runner.communicate(timeout=60)
        raise AssertionError(f"chaos run took over {RUN_SECONDS_MAX}s:\n{output[-4000:]}")
    print(output)

    assert_nothing_left_behind(str(report_directory))
    report = json.loads((report_directory / "report.json").read_text())
    assert runner.returncode == 0, f"exit {runner.returncode}; violations: {json.dumps(report['violations'])[:4000]}"
    assert report["violations"] == []
    assert report["counts"]["faults"]["total"] >= 5
    assert report["counts"]["operations"]["messages"]["ok"] > 100
    assert report["counts"]["operations"]["answers"]["ok"] > 20
    if partitions_possible():
        assert report["partitions"].startswith("iptables"), report["partitions"]
        assert report["counts"]["faults"].get("partition", 0) >= 1


def partitions_possible():
    return os.geteuid() == 0 and shutil.which("iptables") is not None


def assert_nothing_left_behind(report_directory):
    survivors = [pid for pid in os.listdir("/proc") if pid.isdigit() and report_directory in command_line(pid)]
    assert survivors == [], f"processes left running: {survivors}"
    if partitions_possible():
        chain = subprocess.run(["iptables", "-w", "-S", "SWITCHBOARD-CHAOS"], capture_output=True, text=True)
        assert chain.returncode != 0, f"iptables chain left behind:\n{chain.stdout}"


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().decode(errors="replace")
    except OSError:
        return ""
