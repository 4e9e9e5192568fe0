"""After the heal: wait until every member has applied the same index, then read every node's
whole state back with stale reads (each node's own copy, no ReadIndex round)."""
import time

import requests

PAGE = 500


def wait_for_convergence(cluster, timeout):
    """True once every member answers with the same applied index as the leader's commit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = cluster.statuses(timeout=1.0)
        leader = cluster.leader(statuses)
        if leader is not None and all(statuses.values()):
            commit = statuses[leader]["commit"]
            if all(status["applied"] == commit for status in statuses.values()):
                return True
        time.sleep(0.2)
    return False


def read_everything(cluster, register_keys):
    """{"nodes": {id: state}, "reference": id} for every current member."""
    nodes = {}
    for node in cluster.member_nodes():
        nodes[str(node.id)] = read_node(cluster, node, register_keys)
    leader = cluster.leader()
    readable = [node_id for node_id, state in nodes.items() if state.get("conversations") is not None]
    reference = str(leader) if leader is not None and str(leader) in readable else (readable[0] if readable else None)
    return {"nodes": nodes, "reference": reference}


def read_node(cluster, node, register_keys):
    session = requests.Session()
    session.headers.update(cluster.headers)
    try:
        status = session.get(node.url + "/v1/cluster", timeout=5).json()
        conversations = {}
        for conversation_id in list_conversations(session, node.url):
            conversations[conversation_id] = list_messages(session, node.url, conversation_id)
        registers = {key: read_register(session, node.url, key) for key in register_keys}
        return {"applied": status["applied"], "commit": status["commit"], "conversations": conversations,
                "registers": registers}
    except (requests.RequestException, ValueError, KeyError) as error:
        return {"conversations": None, "error": f"{type(error).__name__}: {error}"[:300]}
    finally:
        session.close()


def list_conversations(session, url):
    ids, cursor = [], None
    while True:
        query = {"limit": PAGE, "consistency": "stale"}
        if cursor:
            query["cursor"] = cursor
        reply = session.get(url + "/v1/conversations", params=query, timeout=10)
        reply.raise_for_status()
        body = reply.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body.get("nextCursor")
        if not cursor or not body["items"]:
            return sorted(ids)


def list_messages(session, url, conversation_id):
    messages, after = [], 0
    while True:
        reply = session.get(f"{url}/v1/conversations/{conversation_id}/messages",
                            params={"after": after, "limit": PAGE, "consistency": "stale"}, timeout=10)
        reply.raise_for_status()
        items = reply.json()["items"]
        messages += items
        if len(items) < PAGE:
            return messages
        after = items[-1]["seq"]


def read_register(session, url, key):
    reply = session.get(f"{url}/v1/registers/{key}", params={"consistency": "stale"}, timeout=10)
    if reply.status_code == 404:
        return None
    reply.raise_for_status()
    body = reply.json()
    return {"value": body["value"], "version": body["version"]}


def all_messages(final_state):
    """Every message of the reference node's final state, in one list."""
    reference = final_state.get("reference")
    if reference is None:
        return []
    conversations = final_state["nodes"][reference]["conversations"] or {}
    return [message for messages in conversations.values() for message in messages]
