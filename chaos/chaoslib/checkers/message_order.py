"""Each conversation's order is the acknowledged order.

On every node, a conversation's messages carry seq 1, 2, 3… without gaps, in the order of the
Raft log (their `index` grows with `seq`). And the order respects real time: if message A was
acknowledged before message B was first sent (by any client, so in particular for one client's
sequential posts), A's seq is below B's. Indeterminate messages that were applied count from
their first attempt: they cannot have been applied before they were sent.
"""
from . import grouped, reachable_nodes, result

NAME = "message-order"


def check(message_ops, final_state):
    posted = {op["text"]: op for op in message_ops}
    violations = []
    for node_id, node in reachable_nodes(final_state):
        broken_numbering, log_disorder, real_time = [], [], []
        for conversation_id, messages in sorted(node["conversations"].items()):
            broken_numbering += numbering_problems(conversation_id, messages)
            log_disorder += log_order_problems(conversation_id, messages)
            real_time += real_time_problems(conversation_id, messages, posted)
        violations += grouped(NAME, "seq-gap", f"{{count}} conversations on node {node_id} whose seqs are not "
                              "1, 2, 3…", broken_numbering, node=node_id)
        violations += grouped(NAME, "log-order", f"{{count}} message pairs on node {node_id} whose seq order "
                              "disagrees with the log order", log_disorder, node=node_id)
        violations += grouped(NAME, "real-time", f"{{count}} messages on node {node_id} ordered before a message "
                              "acknowledged before they were sent", real_time, node=node_id)
    return result(NAME, violations)


def numbering_problems(conversation_id, messages):
    seqs = [message["seq"] for message in messages]
    if seqs == list(range(1, len(seqs) + 1)):
        return []
    return [{"conversation": conversation_id, "seqs": seqs[:20]}]


def log_order_problems(conversation_id, messages):
    problems = []
    for earlier, later in zip(messages, messages[1:]):
        if earlier.get("index") is not None and later.get("index") is not None and earlier["index"] >= later["index"]:
            problems.append({"conversation": conversation_id, "seqs": [earlier["seq"], later["seq"]],
                             "indexes": [earlier["index"], later["index"]]})
    return problems


def real_time_problems(conversation_id, messages, posted):
    """Sweeps messages by first-send time, keeping the highest seq acknowledged before it."""
    placed = [(posted[m["text"]], m["seq"]) for m in messages if m["text"] in posted]
    acknowledged = sorted(((op["complete"], seq, op) for op, seq in placed if op.get("outcome") == "ok"),
                          key=lambda item: item[0])
    problems = []
    highest = None
    position = 0
    for op, seq in sorted(placed, key=lambda item: item[0]["invoke"]):
        while position < len(acknowledged) and acknowledged[position][0] < op["invoke"]:
            if highest is None or acknowledged[position][1] > highest[1]:
                highest = acknowledged[position]
            position += 1
        if highest is not None and seq < highest[1]:
            problems.append({"conversation": conversation_id,
                             "earlier": {"key": highest[2]["key"], "seq": highest[1], "acknowledged": highest[0]},
                             "later": {"key": op["key"], "seq": seq, "sent": op["invoke"]}})
    return problems
