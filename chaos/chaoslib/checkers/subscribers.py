"""Subscribers saw every event exactly once, in order, across all their reconnects.

For each subscriber's whole stream (all its connections, to whatever node, each resuming with
?after=<last seq seen>):
  - order: seqs never go down;
  - exactly once: no event (seq, type, id) arrives twice;
  - no gaps: every message in the final state whose log index is after the subscriber's
    starting point reached it as a `message.created` event, unless the index falls in a window a
    recorded resync notice skipped (after, to];
  - faithful: each message event names the conversation, seq and text the final state holds,
    and no event announces a message the final state does not have.
The message's `index` (its Raft index) is the event's seq, so the final state says exactly
which events a subscriber must have seen.
"""
import collections

from . import grouped, result

NAME = "subscribers"


def check(subscriber_records, final_messages):
    """`final_messages`: every message of the final state (with id, index, conversationID, seq, text)."""
    by_id = {message["id"]: message for message in final_messages}
    end = max((message["index"] for message in final_messages), default=0)
    violations, summaries = [], []
    for record in subscriber_records:
        number = record["subscriber"]
        events = record["events"]
        violations += grouped(NAME, "out-of-order", f"subscriber {number}: {{count}} events arrived after a "
                              "later one", out_of_order(events), subscriber=number)
        violations += grouped(NAME, "delivered-twice", f"subscriber {number}: {{count}} events arrived twice",
                              repeated(events), subscriber=number)
        missing = gaps(record, final_messages)
        violations += grouped(NAME, "gap", f"subscriber {number}: {{count}} message events never arrived",
                              missing, subscriber=number)
        violations += grouped(NAME, "unfaithful", f"subscriber {number}: {{count}} message events disagree with "
                              "the final state", unfaithful(events, by_id), subscriber=number)
        if record.get("last", 0) < end:
            violations += grouped(NAME, "behind", f"subscriber {number} stopped at seq {record.get('last', 0)}, "
                                  f"before the last message at {end}", [{"last": record.get("last", 0), "end": end}],
                                  subscriber=number)
        summaries.append({"subscriber": number, "events": len(events), "connections": len(record["connections"]),
                          "resyncs": len(record["resyncs"]), "last": record.get("last", 0)})
    return result(NAME, violations, {"subscribers": summaries, "messages": len(final_messages)})


def out_of_order(events):
    problems = []
    for earlier, later in zip(events, events[1:]):
        if later["seq"] < earlier["seq"]:
            problems.append({"seq": later["seq"], "after": earlier["seq"], "t": later.get("t"),
                             "connection": later.get("connection")})
    return problems


def event_key(event):
    return event["seq"], event["type"], event.get("id"), event.get("conversation")


def repeated(events):
    counts = collections.Counter(event_key(event) for event in events)
    return [{"seq": key[0], "type": key[1], "id": key[2], "times": count} for key, count in counts.items() if count > 1]


def gaps(record, final_messages):
    seen = {event.get("id") for event in record["events"] if event["type"] == "message.created"}
    skipped = [(resync["after"], resync["to"]) for resync in record["resyncs"]]
    start = record.get("start_after", 0)
    missing = []
    for message in sorted(final_messages, key=lambda m: m["index"]):
        if message["index"] <= start or message["id"] in seen:
            continue
        if any(after < message["index"] <= to for after, to in skipped):
            continue
        missing.append({"id": message["id"], "index": message["index"], "conversation": message["conversationID"]})
    return missing


def unfaithful(events, by_id):
    problems = []
    for event in events:
        if event["type"] != "message.created":
            continue
        message = by_id.get(event.get("id"))
        if message is None:
            problems.append({"seq": event["seq"], "id": event.get("id"), "problem": "not in the final state"})
            continue
        expected = (message["index"], message["conversationID"], message["seq"], message["text"])
        found = (event["seq"], event.get("conversation"), event.get("message_seq"), event.get("text"))
        if expected != found:
            problems.append({"id": event.get("id"), "event": found, "final": expected})
    return problems
