import random

from chaoslib.checkers import linearizability


def op(f, invoke, complete, result=None, value=None, expected=None, outcome="ok", key="r", client=0):
    return {"kind": "register", "key": key, "client": client, "f": f, "value": value, "expected": expected,
            "invoke": invoke, "complete": complete if outcome != "indeterminate" else None, "outcome": outcome,
            "result": result if outcome == "ok" else None}


def read(invoke, complete, value, version, **kwargs):
    return op("read", invoke, complete, {"value": value, "version": version}, **kwargs)


def write(invoke, complete, value, version=None, **kwargs):
    return op("write", invoke, complete, {"version": version}, value=value, **kwargs)


def cas(invoke, complete, expected, value, version=None, conflict=None, **kwargs):
    result = {"conflict": conflict} if conflict is not None else {"version": version}
    return op("cas", invoke, complete, result, value=value, expected=expected, **kwargs)


def verdict(ops, budget=100_000):
    return linearizability.check(ops, budget)


def test_accepts_a_sequential_history():
    ops = [read(0, 1, None, 0), write(2, 3, "a", 1), read(4, 5, "a", 1), cas(6, 7, 1, "b", version=2),
           cas(8, 9, 1, "c", conflict=2), read(10, 11, "b", 2)]
    assert verdict(ops)["ok"]


def test_accepts_concurrent_operations_in_some_order():
    # The read overlaps both writes and sees the first; the second write is linearized after it.
    ops = [write(0, 10, "a", 1, client=1), write(1, 10, "b", 2, client=2), read(2, 3, "a", 1, client=3),
           read(11, 12, "b", 2)]
    assert verdict(ops)["ok"]


def test_rejects_a_stale_read():
    ops = [write(0, 1, "a", 1), write(2, 3, "b", 2), read(4, 5, "a", 1)]
    result = verdict(ops)
    [violation] = result["violations"]
    assert violation["key"] == "r" and "read" in violation["stuck_on"]


def test_rejects_a_lost_write():
    ops = [write(0, 1, "a", 1), read(2, 3, None, 0)]
    assert not verdict(ops)["ok"]


def test_rejects_two_compare_and_sets_from_the_same_version_both_succeeding():
    ops = [write(0, 1, "a", 1), cas(2, 4, 1, "b", version=2, client=1), cas(2, 4, 1, "c", version=2, client=2)]
    assert not verdict(ops)["ok"]


def test_rejects_a_conflict_that_reports_the_wrong_version():
    ops = [write(0, 1, "a", 1), cas(2, 3, 5, "b", conflict=0)]
    assert not verdict(ops)["ok"]


def test_an_indeterminate_write_may_take_effect_later_or_never():
    took_effect = [write(0, 1, "a", 1), op("write", 2, None, value="x", outcome="indeterminate"),
                   read(10, 11, "x", 2)]
    never = [write(0, 1, "a", 1), op("write", 2, None, value="x", outcome="indeterminate"), read(10, 11, "a", 1),
             write(12, 13, "b", 2), read(14, 15, "b", 2)]
    late = [write(0, 1, "a", 1), op("write", 2, None, value="x", outcome="indeterminate"), read(10, 11, "a", 1),
            read(20, 21, "x", 2)]
    assert verdict(took_effect)["ok"] and verdict(never)["ok"] and verdict(late)["ok"]


def test_an_indeterminate_write_cannot_take_effect_before_it_was_sent():
    ops = [write(0, 1, "a", 1), read(2, 3, "x", 2), op("write", 5, None, value="x", outcome="indeterminate")]
    assert not verdict(ops)["ok"]


def test_failed_operations_never_take_effect():
    ops = [write(0, 1, "a", 1), op("write", 2, 3, value="x", outcome="fail"), read(4, 5, "x", 2)]
    assert not verdict(ops)["ok"]


def test_an_indeterminate_compare_and_set_applies_only_from_its_expected_version():
    applies = [write(0, 1, "a", 1), op("cas", 2, None, value="x", expected=1, outcome="indeterminate"),
               read(5, 6, "x", 2)]
    cannot = [write(0, 1, "a", 1), op("cas", 2, None, value="x", expected=0, outcome="indeterminate"),
              read(5, 6, "x", 1)]
    assert verdict(applies)["ok"] and not verdict(cannot)["ok"]


def test_keys_are_checked_apart():
    ops = [write(0, 1, "a", 1, key="one"), write(0, 1, "a", 1, key="two"), read(2, 3, "a", 1, key="one"),
           read(2, 3, None, 0, key="two")]
    result = verdict(ops)
    assert [v["key"] for v in result["violations"]] == ["two"]


def test_a_long_history_with_many_unknown_outcomes_is_checked_quickly():
    history = simulated_register_history(random.Random(5), operations=3000, clients=3)
    result = verdict(history, budget=2_000_000)
    assert result["ok"], result["violations"]
    summary = result["summary"]["keys"]["r"]
    assert summary["indeterminate"] > 50 and summary["steps"] < 200_000


def test_an_exhausted_budget_is_reported_as_unknown_not_as_a_pass_or_a_violation():
    history = simulated_register_history(random.Random(6), operations=400, clients=3)
    result = verdict(history, budget=10)
    assert result["ok"] and result["warnings"] and result["summary"]["keys"]["r"]["linearizable"] is None


def simulated_register_history(rng, operations, clients):
    """A correct register serving overlapping clients; some answers are lost (indeterminate)."""
    value, version, now = None, 0, 0.0
    history = []
    for number in range(operations):
        now += rng.uniform(0.01, 0.05)
        invoke = now - rng.uniform(0, 0.04)  # overlaps the previous ones a little
        complete = now + rng.uniform(0, 0.04)
        function = rng.choice(("read", "write", "cas"))
        client = number % clients
        lost = rng.random() < 0.05
        if function == "read":
            history.append(read(invoke, complete, value, version, client=client))
            continue
        if function == "write":
            value, version = f"v{number}", version + 1
            entry = write(invoke, complete, value, version, client=client)
        else:
            expected = version if rng.random() < 0.6 else max(0, version - 1)
            if expected == version:
                value, version = f"v{number}", version + 1
                entry = cas(invoke, complete, expected, value, version=version, client=client)
            else:
                entry = cas(invoke, complete, expected, f"v{number}", conflict=version, client=client)
        if lost:
            entry.update(outcome="indeterminate", complete=None, result=None)
        history.append(entry)
    return history


def test_many_unread_indeterminate_writes_only_count_by_how_many_applied():
    # Forty writes with lost answers, none of whose values is ever read: only the version shows
    # how many applied. Tracking which ones would be 2^40 subsets; counting them is quick.
    lost = [op("write", 2 + n * 0.01, None, value=f"lost{n}", outcome="indeterminate", client=n) for n in range(40)]
    seen = [write(0, 1, "a", 1), write(10, 11, "b", 23), read(12, 13, "b", 23)]
    result = verdict(seen + lost)
    assert result["ok"] and result["summary"]["keys"]["r"]["steps"] < 50_000
    impossible = [write(0, 1, "a", 1), write(10, 11, "b", 43), read(12, 13, "b", 43)]
    result = verdict(impossible + lost)
    assert not result["ok"] and result["violations"][0]["key"] == "r"
