from chaoslib.checkers import deliveries


def op(number, outcome="ok"):
    entry = {"kind": "delivery", "key": f"a{number}", "conversation": "c1", "text": f"answer {number}",
             "outcome": outcome, "invoke": float(number)}
    if outcome == "ok":
        entry["id"] = f"m{number}"
    return entry


def received(number, signed=True, message=None):
    return {"delivery": f"{number}.0", "message": message or f"m{number}", "text": f"answer {number}",
            "signed": signed, "at": float(number)}


def test_accepts_every_answer_delivered_and_counts_repeats():
    ops = [op(1), op(2), op(3, "indeterminate")]
    gateway = [received(1), received(2), received(2), received(3, message="m3")]
    result = deliveries.check(ops, gateway)
    assert result["ok"], result["violations"]
    assert result["summary"]["delivered"] == 3 and result["summary"]["repeated"] == 1


def test_an_indeterminate_answer_may_be_delivered_or_not():
    assert deliveries.check([op(1), op(2, "indeterminate")], [received(1)])["ok"]


def test_rejects_an_acknowledged_answer_that_never_arrived():
    result = deliveries.check([op(1), op(2)], [received(1)])
    [violation] = result["violations"]
    assert violation["kind"] == "lost" and violation["examples"][0]["key"] == "a2"


def test_rejects_a_delivery_with_a_bad_signature_and_does_not_count_it():
    result = deliveries.check([op(1)], [received(1, signed=False)])
    assert sorted(v["kind"] for v in result["violations"]) == ["lost", "unsigned"]


def test_rejects_a_delivery_of_something_never_written_or_refused():
    stranger = {"delivery": "9.0", "message": "m9", "text": "made up", "signed": True, "at": 9.0}
    refused = op(2, "fail")
    result = deliveries.check([op(1), refused], [received(1), stranger, received(2, message="m2")])
    [violation] = result["violations"]
    assert violation["kind"] == "phantom" and violation["count"] == 2
