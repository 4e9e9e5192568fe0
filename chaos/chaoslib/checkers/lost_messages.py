"""No acknowledged message (or conversation) is lost, and none reported as not applied was.

Every node's final copy is read back (stale reads after the cluster converged). On each node:
every acknowledged message is there, under the id, conversation, seq and text it was
acknowledged with; every acknowledged conversation exists; and no message whose every attempt
was refused as not applied (`fail`) is there. Indeterminate messages may be there or not.
"""
from . import grouped, ops_with_outcome, reachable_nodes, result

NAME = "lost-messages"


def check(message_ops, conversation_ops, final_state):
    violations = []
    for node_id, node in reachable_nodes(final_state):
        stored = index_messages(node["conversations"])
        texts = {message["text"] for message, _ in stored.values()}
        lost, changed = compare_acknowledged(ops_with_outcome(message_ops, "ok"), stored)
        applied_failures = [brief(op) for op in ops_with_outcome(message_ops, "fail") if op["text"] in texts]
        missing_conversations = [op["id"] for op in ops_with_outcome(conversation_ops, "ok")
                                 if op["id"] not in node["conversations"]]
        violations += grouped(NAME, "lost", f"{{count}} acknowledged messages missing on node {node_id}",
                              lost, node=node_id)
        violations += grouped(NAME, "changed", f"{{count}} acknowledged messages differ on node {node_id} "
                              "from what was acknowledged", changed, node=node_id)
        violations += grouped(NAME, "applied-after-failure", f"{{count}} messages reported as not applied "
                              f"are on node {node_id}", applied_failures, node=node_id)
        violations += grouped(NAME, "lost-conversation", f"{{count}} acknowledged conversations missing on "
                              f"node {node_id}", missing_conversations, node=node_id)
    return result(NAME, violations, summary(message_ops, final_state))


def index_messages(conversations):
    """message id -> (message, conversation id) over every conversation of one node."""
    stored = {}
    for conversation_id, messages in conversations.items():
        for message in messages:
            stored[message["id"]] = (message, conversation_id)
    return stored


def compare_acknowledged(acknowledged, stored):
    lost, changed = [], []
    for op in acknowledged:
        entry = stored.get(op.get("id"))
        if entry is None:
            lost.append(brief(op))
            continue
        message, conversation_id = entry
        expected = (op["conversation"], op.get("seq"), op["text"])
        found = (conversation_id, message.get("seq"), message.get("text"))
        if expected != found:
            changed.append(dict(brief(op), stored={"conversation": found[0], "seq": found[1], "text": found[2]}))
    return lost, changed


def brief(op):
    return {"key": op["key"], "conversation": op["conversation"], "seq": op.get("seq"), "id": op.get("id"),
            "invoke": op.get("invoke"), "complete": op.get("complete")}


def summary(message_ops, final_state):
    counts = {outcome: len(ops_with_outcome(message_ops, outcome)) for outcome in ("ok", "fail", "indeterminate")}
    reference = final_state.get("reference")
    node = final_state["nodes"].get(reference) if reference else None
    if node and node.get("conversations") is not None:
        texts = {m["text"] for messages in node["conversations"].values() for m in messages}
        unknown = ops_with_outcome(message_ops, "indeterminate")
        counts["indeterminate_applied"] = sum(1 for op in unknown if op["text"] in texts)
    return counts
