from builders import final_state, message_op, node_state, sequential_messages, stored
from chaoslib.checkers import duplicate_messages


def test_accepts_each_message_once():
    ops, conversations = sequential_messages(4)
    assert duplicate_messages.check(ops, final_state(node_state(conversations)))["ok"]


def test_rejects_a_message_applied_twice():
    ops, conversations = sequential_messages(3)
    # A retry with the same Idempotency-Key that was applied a second time, under a new id.
    conversations["c1"].append(stored(ops[1], 4, message_id="another-id"))
    result = duplicate_messages.check(ops, final_state(node_state(conversations)))
    assert [v["kind"] for v in result["violations"]] == ["applied-twice"]
    assert result["violations"][0]["examples"][0]["key"] == "k2"


def test_rejects_a_message_nobody_posted_and_one_in_the_wrong_conversation():
    ops, conversations = sequential_messages(2)
    stray = message_op(3, conversation="c2", seq=1)
    conversations["c1"].append(stored(dict(stray, conversation="c1"), 3))
    conversations["c1"].append({"id": "x", "conversationID": "c1", "seq": 4, "text": "never posted", "index": 999})
    result = duplicate_messages.check(ops + [stray], final_state(node_state(conversations)))
    assert sorted(v["kind"] for v in result["violations"]) == ["misplaced", "phantom"]
