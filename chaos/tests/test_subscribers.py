import copy

from chaoslib.checkers import subscribers


def message(number, index):
    return {"id": f"m{number}", "index": index, "conversationID": "c1", "seq": number, "text": f"text {number}"}


MESSAGES = [message(n, 10 + 2 * n) for n in range(1, 6)]


def event(entry, connection=0):
    return {"seq": entry["index"], "type": "message.created", "conversation": entry["conversationID"],
            "id": entry["id"], "message_seq": entry["seq"], "text": entry["text"], "t": 0.0,
            "connection": connection}


def record(events, resyncs=(), last=None, start_after=0):
    return {"subscriber": 0, "start_after": start_after, "events": events, "resyncs": list(resyncs),
            "connections": [{}, {}], "last": max((e["seq"] for e in events), default=0) if last is None else last}


def kinds(result):
    return sorted(v["kind"] for v in result["violations"])


def test_accepts_every_event_once_in_order_across_reconnects():
    events = [event(m, connection=0 if m["seq"] < 3 else 1) for m in MESSAGES]
    # Other events of the same command share its seq.
    events.insert(1, {"seq": events[0]["seq"], "type": "conversation.updated", "conversation": "c1", "id": "c1",
                      "t": 0.0, "connection": 0})
    assert subscribers.check([record(events)], MESSAGES)["ok"]


def test_rejects_an_event_delivered_twice():
    events = [event(m) for m in MESSAGES]
    events.insert(3, copy.deepcopy(events[2]))
    assert kinds(subscribers.check([record(events)], MESSAGES)) == ["delivered-twice"]


def test_rejects_an_older_event_after_a_newer_one():
    events = [event(m) for m in MESSAGES]
    events[1], events[2] = events[2], events[1]
    assert kinds(subscribers.check([record(events)], MESSAGES)) == ["out-of-order"]


def test_rejects_a_gap_but_not_one_a_resync_announced():
    events = [event(m) for m in MESSAGES if m["seq"] != 3]
    assert kinds(subscribers.check([record(events)], MESSAGES)) == ["gap"]
    announced = [{"t": 1.0, "after": MESSAGES[1]["index"], "to": MESSAGES[2]["index"], "target": "n2"}]
    assert subscribers.check([record(events, resyncs=announced)], MESSAGES)["ok"]


def test_rejects_an_event_that_disagrees_with_the_final_state_and_a_subscriber_left_behind():
    events = [event(m) for m in MESSAGES]
    events[0]["text"] = "something else"
    assert kinds(subscribers.check([record(events)], MESSAGES)) == ["unfaithful"]
    stopped_early = [event(m) for m in MESSAGES[:3]]
    assert kinds(subscribers.check([record(stopped_early)], MESSAGES)) == ["behind", "gap"]
