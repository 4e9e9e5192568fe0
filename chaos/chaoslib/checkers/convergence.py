"""Every node ends in the same state, and every member recovered.

After the heal and once the workload stopped, every member must answer, have applied the same
Raft index, and hold the same conversations with the same messages and the same registers. Each
node's state is hashed (SHA-256 of its canonical JSON) so the report shows at a glance which
nodes agree; a difference names the first conversation or register that differs.
"""
import hashlib
import json

from . import result, violation

NAME = "convergence"


def state_hash(node):
    canonical = json.dumps({"conversations": node["conversations"], "registers": node.get("registers", {})},
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check(final_state):
    violations = []
    nodes = final_state["nodes"]
    readable = {}
    for node_id in sorted(nodes, key=int):
        node = nodes[node_id]
        if node.get("conversations") is None:
            violations.append(violation(NAME, "not-recovered", f"node {node_id} could not be read after the heal: "
                                        f"{node.get('error', 'no answer')}", node=node_id))
        else:
            readable[node_id] = node
    applied = {node_id: node.get("applied") for node_id, node in readable.items()}
    if len(set(applied.values())) > 1:
        violations.append(violation(NAME, "applied-differs", "nodes applied different Raft indexes after "
                                    f"converging: {applied}", applied=applied))
    hashes = {node_id: state_hash(node) for node_id, node in readable.items()}
    if len(set(hashes.values())) > 1:
        violations.append(violation(NAME, "state-differs", "nodes hold different states: "
                                    + describe_groups(hashes), hashes=hashes,
                                    difference=first_difference(readable, hashes)))
    return result(NAME, violations, {"applied": applied, "hashes": {k: v[:16] for k, v in hashes.items()}})


def describe_groups(hashes):
    groups = {}
    for node_id, digest in hashes.items():
        groups.setdefault(digest, []).append(node_id)
    return "; ".join(f"nodes {','.join(ids)} have {digest[:12]}" for digest, ids in groups.items())


def first_difference(readable, hashes):
    """The first conversation or register whose content differs between two disagreeing nodes."""
    ids = sorted(readable, key=int)
    first = ids[0]
    other = next(node_id for node_id in ids if hashes[node_id] != hashes[first])
    a, b = readable[first], readable[other]
    for conversation_id in sorted(set(a["conversations"]) | set(b["conversations"])):
        left, right = a["conversations"].get(conversation_id), b["conversations"].get(conversation_id)
        if left != right:
            return {"conversation": conversation_id, "nodes": [first, other],
                    "messages": [len(left or []), len(right or [])],
                    "first_differing_seq": first_differing_seq(left or [], right or [])}
    for key in sorted(set(a.get("registers", {})) | set(b.get("registers", {}))):
        if a["registers"].get(key) != b["registers"].get(key):
            return {"register": key, "nodes": [first, other], "values": [a["registers"].get(key),
                                                                         b["registers"].get(key)]}
    return {}


def first_differing_seq(left, right):
    for a, b in zip(left, right):
        if a != b:
            return a.get("seq")
    return min(len(left), len(right)) + 1
