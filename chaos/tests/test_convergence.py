import copy

from builders import final_state, node_state, sequential_messages
from chaoslib.checkers import convergence


def test_accepts_identical_nodes():
    _, conversations = sequential_messages(3)
    registers = {"r": {"value": "a", "version": 2}}
    state = final_state(*(node_state(copy.deepcopy(conversations), registers=dict(registers)) for _ in range(3)))
    result = convergence.check(state)
    assert result["ok"] and len(set(result["summary"]["hashes"].values())) == 1


def test_rejects_a_node_with_a_different_message():
    _, conversations = sequential_messages(3)
    other = copy.deepcopy(conversations)
    other["c1"][1]["text"] = "changed"
    result = convergence.check(final_state(node_state(conversations), node_state(other)))
    [violation] = result["violations"]
    assert violation["kind"] == "state-differs"
    assert violation["difference"] == {"conversation": "c1", "nodes": ["1", "2"], "messages": [3, 3],
                                       "first_differing_seq": 2}


def test_rejects_different_applied_indexes_and_a_node_that_never_recovered():
    _, conversations = sequential_messages(2)
    state = final_state(node_state(conversations, applied=10), node_state(copy.deepcopy(conversations), applied=9),
                        {"conversations": None, "error": "ConnectionError"})
    kinds = sorted(v["kind"] for v in convergence.check(state)["violations"])
    assert kinds == ["applied-differs", "not-recovered"]


def test_rejects_a_register_that_differs():
    _, conversations = sequential_messages(1)
    state = final_state(node_state(conversations, registers={"r": {"value": "a", "version": 1}}),
                        node_state(copy.deepcopy(conversations), registers={"r": {"value": "b", "version": 1}}))
    [violation] = convergence.check(state)["violations"]
    assert violation["difference"]["register"] == "r"
