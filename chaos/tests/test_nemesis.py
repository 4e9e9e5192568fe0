"""The nemesis without a cluster: partitions are skipped, and said to be, when iptables is not
usable; nothing is pretended."""
from chaoslib import history, network
from chaoslib.cluster import membership_answer_is_final
from chaoslib.nemesis import Nemesis


class NoCluster:
    def member_nodes(self):
        raise AssertionError("a skipped partition must not touch the cluster")


def test_without_iptables_partitions_are_skipped_and_logged(monkeypatch):
    monkeypatch.setattr(network.shutil, "which", lambda name: None)
    partitioner = network.Partitioner(lambda node: f"127.0.0.{40 + node}", lambda node: 47000 + node)
    assert not partitioner.probe()
    assert "not installed" in partitioner.reason

    record = history.History(history.Clock())
    nemesis = Nemesis(NoCluster(), partitioner, record, options=None, schedule=[])
    nemesis.perform({"index": 0, "kind": "partition", "variant": "bridge", "duration": 1.0})
    [fault] = record.items("faults")
    assert fault["skipped"] and "partitions skipped" in fault["details"]["reason"]


def test_rules_drop_by_sender_group_and_by_source_address(monkeypatch):
    calls = []
    monkeypatch.setattr(network, "iptables", lambda *arguments, check=True: calls.append(arguments))
    partitioner = network.Partitioner(lambda node: f"127.0.0.{40 + node}", lambda node: 47000 + node)
    partitioner.usable = True
    partitioner.block([(1, 2)])
    assert calls == [("-A", network.CHAIN, "-m", "owner", "--gid-owner", "47001", "-d", "127.0.0.42", "-j", "DROP"),
                     ("-A", network.CHAIN, "-s", "127.0.0.41", "-d", "127.0.0.42", "-j", "DROP")]
    partitioner.heal()
    assert calls[-1] == ("-F", network.CHAIN) and partitioner.blocked == set()


def test_membership_requests_wait_out_a_pending_change():
    pending = {"error": {"code": "change_pending", "message": "another membership change is in progress"}}
    assert not membership_answer_is_final(409, pending)
    assert not membership_answer_is_final(421, None) and not membership_answer_is_final(503, None)
    assert membership_answer_is_final(200, {"members": []})
    assert membership_answer_is_final(409, {"error": {"code": "conflict"}})
    assert membership_answer_is_final(404, {"error": {"code": "not_found"}})
