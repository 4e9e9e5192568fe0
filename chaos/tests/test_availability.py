from chaoslib.checkers import availability


def request(end, ok=True, write=True):
    return {"workload": "message", "start": end - 0.01, "end": end, "ok": ok, "write": write, "target": "lb"}


def history(requests, faults=(), node_events=None, voters=(1, 2, 3), heal=None):
    phases = [{"name": "workload-start", "t": 0.0}, {"name": "workload-end", "t": 20.0}]
    if heal is not None:
        phases.append({"name": "heal", "t": heal})
    return {"requests": requests, "faults": list(faults), "phases": phases,
            "node_events": node_events or [{"t": -1.0, "node": n, "state": "up"} for n in voters],
            "voters": [{"t": -1.0, "voters": list(voters)}], "leaders": []}


def steady(every=0.1, until=20.0, skip=()):
    times = [round(n * every, 3) for n in range(int(until / every) + 1)]
    return [request(t) for t in times if not any(low < t < high for low, high in skip)]


def test_measures_the_longest_window_without_a_write_while_a_majority_was_up():
    result = availability.check(history(steady(skip=[(5.0, 7.5)])))
    assert result["ok"]
    assert result["summary"]["longest_unavailable_with_majority_seconds"] == 2.5
    assert result["summary"]["longest_unavailable_window"] == [5.0, 7.5]


def test_windows_without_a_majority_do_not_count():
    # Two of three nodes down from 5 s to 9 s: no majority, so that silence is allowed.
    events = [{"t": -1.0, "node": n, "state": "up"} for n in (1, 2, 3)]
    events += [{"t": 5.0, "node": 1, "state": "down"}, {"t": 5.0, "node": 2, "state": "paused"},
               {"t": 9.0, "node": 1, "state": "up"}, {"t": 9.0, "node": 2, "state": "up"}]
    result = availability.check(history(steady(skip=[(5.0, 9.5)]), node_events=events))
    assert result["summary"]["longest_unavailable_with_majority_seconds"] == 0.5


def test_a_partition_without_a_connected_majority_does_not_count():
    cut = [[a, b] for a in (1, 2, 3) for b in (1, 2, 3) if a != b]
    fault = {"kind": "partition", "nodes": [1, 2, 3], "start": 5.0, "end": 9.0, "details": {"blocked": cut}}
    result = availability.check(history(steady(skip=[(5.0, 9.0)]), faults=[fault]))
    assert result["summary"]["longest_unavailable_with_majority_seconds"] == 0.1


def test_a_limit_turns_a_long_window_into_a_violation():
    result = availability.check(history(steady(skip=[(5.0, 8.0)])), max_unavailable=2.0)
    assert [v["kind"] for v in result["violations"]] == ["unavailable"]


def test_no_write_after_the_heal_is_a_violation():
    result = availability.check(history(steady(until=10.0), heal=12.0))
    assert [v["kind"] for v in result["violations"]] == ["no-recovery"]


def test_counts_the_fraction_of_successful_requests():
    requests = [request(1.0), request(2.0, ok=False), request(3.0, write=False), request(4.0)]
    assert availability.check(history(requests))["summary"]["ok_fraction"] == 0.75
