from builders import final_state, message_op, node_state, sequential_messages, stored
from chaoslib.checkers import message_order


def test_accepts_acknowledged_order_and_concurrent_posts_in_either_order():
    ops, conversations = sequential_messages(3)
    # Two posts sent at the same time may land in either order.
    first = message_op(4, seq=5, invoke=10.0, complete=11.0, client=1)
    second = message_op(5, seq=4, invoke=10.1, complete=10.6, client=2)
    conversations["c1"] += [stored(second, 4), stored(first, 5)]
    assert message_order.check(ops + [first, second], final_state(node_state(conversations)))["ok"]


def test_rejects_a_message_ordered_before_one_acknowledged_before_it_was_sent():
    ops = [message_op(1, seq=2, invoke=1.0, complete=1.5), message_op(2, seq=1, invoke=2.0, complete=2.5)]
    conversations = {"c1": [stored(ops[1], 1, index=101), stored(ops[0], 2, index=102)]}
    result = message_order.check(ops, final_state(node_state(conversations)))
    [violation] = result["violations"]
    assert violation["kind"] == "real-time"
    assert violation["examples"][0]["earlier"]["key"] == "k1" and violation["examples"][0]["later"]["key"] == "k2"


def test_rejects_a_gap_in_seqs_and_seq_order_against_log_order():
    ops, conversations = sequential_messages(3)
    conversations["c1"][2]["seq"] = 4
    conversations["c1"][1]["index"] = 500
    result = message_order.check(ops, final_state(node_state(conversations)))
    assert sorted(v["kind"] for v in result["violations"]) == ["log-order", "seq-gap"]


def test_an_applied_indeterminate_message_cannot_precede_what_was_acknowledged_before_it_was_sent():
    acknowledged = message_op(1, seq=2, invoke=1.0, complete=1.5)
    unknown = message_op(2, outcome="indeterminate", invoke=3.0)
    conversations = {"c1": [stored(unknown, 1, index=101), stored(acknowledged, 2, index=102)]}
    result = message_order.check([acknowledged, unknown], final_state(node_state(conversations)))
    assert [v["kind"] for v in result["violations"]] == ["real-time"]
