"""Checkers over a recorded history. Each takes plain dicts (as saved in history.json) and
returns a result: {"name", "ok", "violations", "warnings", "summary"}."""

# A violation lists at most this many examples; its count says how many there were.
EXAMPLES_MAX = 5


def violation(checker, kind, message, count=1, examples=None, **details):
    entry = {"checker": checker, "kind": kind, "message": message, "count": count}
    if examples:
        entry["examples"] = examples[:EXAMPLES_MAX]
    entry.update(details)
    return entry


def result(name, violations, summary=None, warnings=None):
    return {"name": name, "ok": not violations, "violations": violations, "warnings": warnings or [],
            "summary": summary or {}}


def grouped(checker, kind, message, items, **details):
    """One violation for a list of like problems (none if the list is empty)."""
    if not items:
        return []
    return [violation(checker, kind, message.format(count=len(items)), count=len(items), examples=items, **details)]


def reachable_nodes(final_state):
    """(node id, node state) of every node whose final state could be read."""
    return [(node_id, node) for node_id, node in sorted(final_state["nodes"].items(), key=lambda item: int(item[0]))
            if node.get("conversations") is not None]


def ops_with_outcome(ops, outcome):
    return [op for op in ops if op.get("outcome") == outcome]
