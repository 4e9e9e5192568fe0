from chaoslib import crashes

REPORT = """2026-11-25T15:10:15+0000 info switchboard.n3: [Server] node 3 stopped
terminate called without an active exception

*** Signal 6: Backtracing from 0x7fdf5c0a8eec... done ***

*** Program crashed: Aborted at 0x0000000000000bfe ***

Thread 7 "oot.default-qos":
  0               0x00007fdf5e8d9433 <unknown> in librocksdb.so.7.8.3
  7 [ra]          0x00005644e2950d28 Database.deinit + 279 in switchboard at /work/main/Sources/Storage/Database.swift:47:9
"""


def test_finds_a_crash_report_with_its_reason_and_first_own_frame(tmp_path):
    (tmp_path / "n3.log").write_text(REPORT)
    (tmp_path / "n1.log").write_text("2026-11-25T15:10:15+0000 info switchboard.n1: [Server] node 1 stopped\n")
    [crash] = crashes.find(str(tmp_path))
    assert crash["log"] == "n3.log" and crash["line"] == 6
    assert crash["summary"] == "Aborted at 0x0000000000000bfe (terminate called without an active exception)"
    assert "Database.swift:47" in crash["frame"]


def test_finds_a_crash_report_cut_short(tmp_path):
    (tmp_path / "n2.log").write_text("node 2 stopped\n\n*** Signal 11: Backtracing...\n")
    [crash] = crashes.find(str(tmp_path))
    assert crash["summary"].startswith("signal 11")
