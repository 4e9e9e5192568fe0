"""Every acknowledged agent answer to a WeChat customer reached the gateway, signed, and
nothing reached it that was not written.

From the `deliveries` ops (agent messages posted during the run) and the `gateway` entries
(what the harness's gateway received, after the heal and the wait for the outbox):
- lost: an acknowledged message whose id never arrived with a valid signature;
- unsigned: a delivery whose signature did not match the channel's secret;
- phantom: a delivered text that no op wrote (ok or indeterminate), or that an op reported as
  certainly not applied wrote.
Delivery is at least once, so a message may arrive more than once (a slot owner that died, or
lost its slot, after posting but before recording the attempt); such repeats are counted in
the summary, not as violations.
"""
from . import grouped, ops_with_outcome, result

NAME = "deliveries"


def check(delivery_ops, gateway):
    signed = [entry for entry in gateway if entry.get("signed")]
    delivered_ids = {entry.get("message") for entry in signed}
    lost = [brief(op) for op in ops_with_outcome(delivery_ops, "ok") if op.get("id") not in delivered_ids]
    unsigned = [entry for entry in gateway if not entry.get("signed")]
    written = {op["text"] for op in delivery_ops if op.get("outcome") in ("ok", "indeterminate")}
    refused = {op["text"] for op in ops_with_outcome(delivery_ops, "fail")}
    phantom = [entry for entry in signed if entry.get("text") not in written or entry.get("text") in refused]
    violations = []
    violations += grouped(NAME, "lost", "{count} acknowledged answers never reached the gateway", lost)
    violations += grouped(NAME, "unsigned", "{count} deliveries had a signature that does not match", unsigned)
    violations += grouped(NAME, "phantom", "{count} deliveries carry a message that was not written", phantom)
    return result(NAME, violations, summary(delivery_ops, signed))


def summary(delivery_ops, signed):
    counts = {outcome: len(ops_with_outcome(delivery_ops, outcome)) for outcome in ("ok", "fail", "indeterminate")}
    per_message = {}
    for entry in signed:
        per_message[entry.get("message")] = per_message.get(entry.get("message"), 0) + 1
    counts["delivered"] = len(per_message)
    counts["repeated"] = sum(count - 1 for count in per_message.values())
    return counts


def brief(op):
    return {"key": op["key"], "conversation": op.get("conversation"), "id": op.get("id"),
            "invoke": op.get("invoke"), "complete": op.get("complete")}
