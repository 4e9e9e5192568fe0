"""Small histories for the checker tests, in the shapes the runner records."""


def message_op(number, conversation="c1", outcome="ok", seq=None, invoke=None, complete=None, client=0):
    invoke = float(number) if invoke is None else invoke
    op = {"kind": "message", "client": client, "key": f"k{number}", "conversation": conversation,
          "text": f"text {number}", "invoke": invoke, "outcome": outcome, "attempts": []}
    if outcome == "ok":
        op.update(id=f"id{number}", seq=seq, complete=invoke + 0.5 if complete is None else complete)
    elif outcome == "fail":
        op["complete"] = invoke + 0.5
    else:
        op["complete"] = None
    return op


def stored(op, seq, index=None, message_id=None):
    """The message as a node would list it."""
    return {"id": message_id or op.get("id") or f"id{op['key'][1:]}", "conversationID": op["conversation"],
            "seq": seq, "text": op["text"], "index": index if index is not None else 100 + seq}


def node_state(conversations, applied=500, registers=None):
    return {"applied": applied, "commit": applied, "conversations": conversations, "registers": registers or {}}


def final_state(*nodes):
    return {"nodes": {str(number): node for number, node in enumerate(nodes, 1)}, "reference": "1"}


def sequential_messages(count, conversation="c1"):
    """`count` acknowledged messages posted one after another, and the state holding them."""
    ops = [message_op(n, conversation, seq=n) for n in range(1, count + 1)]
    return ops, {conversation: [stored(op, op["seq"]) for op in ops]}
