import copy

from builders import final_state, message_op, node_state, sequential_messages, stored
from chaoslib.checkers import lost_messages

CONVERSATIONS = [{"kind": "conversation", "key": "conv1", "id": "c1", "outcome": "ok", "invoke": 0.0}]


def test_accepts_every_acknowledged_message_on_every_node():
    ops, conversations = sequential_messages(5)
    state = final_state(node_state(conversations), node_state(copy.deepcopy(conversations)))
    assert lost_messages.check(ops, CONVERSATIONS, state)["ok"]


def test_indeterminate_messages_may_be_there_or_not():
    ops, conversations = sequential_messages(3)
    applied = message_op(4, outcome="indeterminate")
    missing = message_op(5, outcome="indeterminate")
    conversations["c1"].append(stored(applied, 4))
    result = lost_messages.check(ops + [applied, missing], CONVERSATIONS, final_state(node_state(conversations)))
    assert result["ok"]
    assert result["summary"]["indeterminate_applied"] == 1


def test_rejects_an_acknowledged_message_missing_on_one_node():
    ops, conversations = sequential_messages(5)
    damaged = copy.deepcopy(conversations)
    del damaged["c1"][2]
    result = lost_messages.check(ops, CONVERSATIONS, final_state(node_state(conversations), node_state(damaged)))
    assert not result["ok"]
    [violation] = result["violations"]
    assert violation["kind"] == "lost" and violation["node"] == "2" and violation["examples"][0]["key"] == "k3"


def test_rejects_a_message_stored_under_another_seq_than_acknowledged():
    ops, conversations = sequential_messages(3)
    conversations["c1"][1]["seq"] = 7
    result = lost_messages.check(ops, CONVERSATIONS, final_state(node_state(conversations)))
    assert [v["kind"] for v in result["violations"]] == ["changed"]


def test_rejects_a_message_applied_although_reported_not_applied():
    ops, conversations = sequential_messages(2)
    refused = message_op(3, outcome="fail")
    conversations["c1"].append(stored(refused, 3))
    result = lost_messages.check(ops + [refused], CONVERSATIONS, final_state(node_state(conversations)))
    assert [v["kind"] for v in result["violations"]] == ["applied-after-failure"]


def test_rejects_a_lost_conversation():
    ops, conversations = sequential_messages(2)
    opened = CONVERSATIONS + [{"kind": "conversation", "key": "conv2", "id": "c2", "outcome": "ok", "invoke": 0.0}]
    result = lost_messages.check(ops, opened, final_state(node_state(conversations)))
    assert [v["kind"] for v in result["violations"]] == ["lost-conversation"]
