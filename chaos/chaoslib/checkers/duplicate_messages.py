"""No message is applied twice, and no message appears that no client wrote.

Every posted text is unique and carries its Idempotency-Key, and retries reuse the key, so on
every node each text must appear at most once, in the conversation it was posted to, and every
message id at most once. A text no client posted would be a phantom write.
"""
import collections

from . import grouped, reachable_nodes, result

NAME = "duplicate-messages"


def check(message_ops, final_state):
    posted = {op["text"]: op for op in message_ops}
    violations = []
    for node_id, node in reachable_nodes(final_state):
        texts = collections.Counter()
        ids = collections.Counter()
        misplaced, phantoms = [], []
        for conversation_id, messages in node["conversations"].items():
            for message in messages:
                texts[message["text"]] += 1
                ids[message["id"]] += 1
                op = posted.get(message["text"])
                if op is None:
                    phantoms.append({"conversation": conversation_id, "seq": message["seq"], "text": message["text"]})
                elif op["conversation"] != conversation_id:
                    misplaced.append({"key": op["key"], "posted_to": op["conversation"], "found_in": conversation_id})
        twice = [{"text": text, "times": count, "key": posted[text]["key"] if text in posted else None}
                 for text, count in texts.items() if count > 1]
        repeated_ids = [{"id": message_id, "times": count} for message_id, count in ids.items() if count > 1]
        violations += grouped(NAME, "applied-twice", f"{{count}} messages applied more than once on node {node_id}",
                              twice, node=node_id)
        violations += grouped(NAME, "repeated-id", f"{{count}} message ids stored more than once on node {node_id}",
                              repeated_ids, node=node_id)
        violations += grouped(NAME, "misplaced", f"{{count}} messages in a conversation they were not posted to "
                              f"on node {node_id}", misplaced, node=node_id)
        violations += grouped(NAME, "phantom", f"{{count}} messages on node {node_id} that no client posted",
                              phantoms, node=node_id)
    return result(NAME, violations, {"posted": len(posted)})
