"""Queues, routing rules, transfers, offers, sentiment and CSAT over real nodes.

The slot worker that proposes the slot owner's routing decisions (`Desk.dueWork`) is being
written separately; until it runs, these tests drive offers by hand (a transfer to an agent is
an offer) and `test_waiting_conversations_are_routed_automatically` skips itself."""
import time

import pytest
import requests

PASSWORD = "correct horse battery"


def call(node, method, path, token, body=None):
    return requests.request(method, node.url + path, json=body,
                            headers={"Authorization": f"Bearer {token}"}, timeout=5)


def create_staff(cluster, node, staff_id, role, languages=("en",), skills=None, teams=()):
    reply = call(node, "POST", "/v1/agents", cluster.token, {
        "id": staff_id, "email": f"{staff_id}@example.com", "name": staff_id.title(), "role": role,
        "password": PASSWORD, "languages": list(languages), "skills": skills or {}, "teamIDs": list(teams)})
    assert reply.status_code == 201, reply.text


@pytest.fixture
def desk(cluster_factory):
    """Three nodes; supervisor sam; agents alex (English, technical 4, team tech) and bo
    (Chinese); both agents online; each signed in on a different node."""
    cluster = cluster_factory().start()
    first = cluster.nodes[1]
    assert call(first, "POST", "/v1/teams", cluster.token, {"id": "tech", "name": "Technical"}).status_code == 201
    create_staff(cluster, first, "sam", "supervisor")
    create_staff(cluster, first, "alex", "agent", skills={"technical": 4}, teams=("tech",))
    create_staff(cluster, first, "bo", "agent", languages=("zh-CN",))
    tokens = {}
    for staff_id, node in [("sam", cluster.nodes[2]), ("alex", cluster.nodes[2]), ("bo", cluster.nodes[3])]:
        reply = requests.post(node.url + "/v1/auth/login",
                              json={"email": f"{staff_id}@example.com", "password": PASSWORD}, timeout=10)
        assert reply.status_code == 200, reply.text
        tokens[staff_id] = reply.json()["token"]
    for staff_id in ("alex", "bo"):
        online = call(first, "PUT", f"/v1/agents/{staff_id}/status", tokens[staff_id], {"status": "online"})
        assert online.status_code == 200, online.text
    return cluster, tokens


def open_conversation(cluster, node, external_id, **fields):
    reply = call(node, "POST", "/v1/conversations", cluster.token,
                 {"customer": {"externalId": external_id}, "channel": "web", **fields})
    assert reply.status_code == 201, reply.text
    return reply.json()


def create_queue(node, token, **fields):
    reply = call(node, "POST", "/v1/queues", token, fields)
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_queues_are_managed_by_supervisors_and_read_by_all_staff(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    create_queue(node, tokens["sam"], id="general", name="General")
    queue = create_queue(node, tokens["sam"], id="Tech", name="Technical", teamID="tech",
                         requiredSkills={"technical": 3}, strategy="skillsWeighted", offerTimeoutSeconds=30,
                         overflowQueueID="general", overflowAfterSeconds=120, stickinessWaitSeconds=60)
    assert queue["id"] == "tech" and queue["strategy"] == "skillsWeighted" and queue["overflowQueueID"] == "general"
    assert call(node, "POST", "/v1/queues", tokens["alex"], {"id": "x", "name": "X"}).status_code == 403
    assert call(node, "POST", "/v1/queues", tokens["sam"], {"id": "tech", "name": "Again"}).status_code == 409
    assert call(node, "POST", "/v1/queues", tokens["sam"], {"id": "x", "name": "X", "teamID": "nope"}).status_code == 404
    assert call(node, "POST", "/v1/queues", tokens["sam"], {"id": "x", "name": "X", "offerTimeoutSeconds": -5}).status_code == 400
    assert call(node, "POST", "/v1/queues", tokens["sam"], {"id": "x", "name": "X", "strategy": "random"}).status_code == 400
    assert call(node, "POST", "/v1/queues", tokens["sam"], {"id": "x", "nmae": "X"}).status_code == 400
    loop = call(node, "PATCH", "/v1/queues/general", tokens["sam"], {"overflowQueueID": "tech", "overflowAfterSeconds": 5})
    assert loop.status_code == 400 and loop.json()["error"]["code"] == "invalid"
    for each in cluster.nodes.values():
        listed = call(each, "GET", "/v1/queues", tokens["bo"]).json()["items"]
        assert [q["id"] for q in listed] == ["general", "tech"]
    cleared = call(node, "PATCH", "/v1/queues/tech", tokens["sam"],
                   {"teamID": None, "overflowQueueID": None, "overflowAfterSeconds": 0, "strategy": "roundRobin"})
    assert cleared.status_code == 200, cleared.text
    assert "teamID" not in cleared.json() and cleared.json()["strategy"] == "roundRobin"
    assert call(cluster.nodes[3], "GET", "/v1/queues/tech", tokens["alex"]).json()["strategy"] == "roundRobin"
    assert call(node, "GET", "/v1/queues/nope", tokens["alex"]).status_code == 404
    assert call(node, "PATCH", "/v1/queues/nope", tokens["sam"], {"name": "N"}).status_code == 404


def test_routing_rules_choose_the_queue_of_new_conversations(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    create_queue(node, tokens["sam"], id="general", name="General")
    create_queue(node, tokens["sam"], id="tech", name="Technical", requiredSkills={"technical": 3})
    technical = call(node, "POST", "/v1/routing-rules", tokens["sam"], {
        "id": "technical", "name": "Technical topics", "position": 10,
        "conditions": {"tags": ["technical"], "channels": ["web"]}, "queueID": "tech", "raisePriorityTo": "high"})
    assert technical.status_code == 201, technical.text
    assert technical.json()["conditions"]["tags"] == ["technical"]
    rest = call(node, "POST", "/v1/routing-rules", tokens["sam"], {"name": "The rest", "position": 99, "queueID": "general"})
    assert rest.status_code == 201, rest.text
    assert call(node, "POST", "/v1/routing-rules", tokens["alex"], {"name": "X", "queueID": "general"}).status_code == 403
    assert call(node, "POST", "/v1/routing-rules", tokens["sam"], {"name": "X", "queueID": "nope"}).status_code == 404
    listed = call(cluster.nodes[3], "GET", "/v1/routing-rules", tokens["bo"]).json()["items"]
    assert [r["id"] for r in listed] == ["technical", rest.json()["id"]]

    routed = open_conversation(cluster, node, "r-tech", tags=["Technical"])
    assert routed["queue"] == "tech" and routed["priority"] == "high" and "queuedAt" in routed
    assert open_conversation(cluster, node, "r-other")["queue"] == "general"
    assert open_conversation(cluster, node, "r-named", queue="tech")["priority"] == "normal"

    moved = call(node, "PATCH", "/v1/routing-rules/technical", tokens["sam"], {"position": 100, "raisePriorityTo": None})
    assert moved.status_code == 200 and "raisePriorityTo" not in moved.json()
    assert open_conversation(cluster, node, "r-tech-2", tags=["technical"])["queue"] == "general"
    assert call(node, "DELETE", f"/v1/routing-rules/{rest.json()['id']}", tokens["sam"]).status_code == 200
    assert open_conversation(cluster, node, "r-tech-3", tags=["technical"])["queue"] == "tech"
    assert call(node, "DELETE", f"/v1/routing-rules/{rest.json()['id']}", tokens["sam"]).status_code == 404


def test_transfers_are_offers_the_agent_accepts_or_declines(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    create_queue(node, tokens["sam"], id="support", name="Support", offerTimeoutSeconds=60)
    create_queue(node, tokens["sam"], id="tech", name="Technical")
    conversation = open_conversation(cluster, node, "t-1", queue="support")["id"]
    path = f"/v1/conversations/{conversation}"
    assert call(node, "PATCH", path, tokens["sam"], {"assignee": "alex"}).status_code == 200

    assert call(node, "POST", path + "/accept", tokens["alex"]).json()["error"]["code"] == "conflict"
    assert call(node, "POST", path + "/transfer", tokens["alex"], {"toAgent": "bo", "toQueue": "tech"}).status_code == 400
    assert call(node, "POST", path + "/transfer", tokens["alex"], {"toAgent": "bo", "reason": "x"}).status_code == 400
    assert call(node, "POST", path + "/transfer", tokens["alex"], {"toAgent": "sam"}).status_code == 409  # offline
    assert call(node, "POST", path + "/transfer", tokens["alex"], {"toQueue": "nope"}).status_code == 404
    handed = call(node, "POST", path + "/transfer", tokens["alex"], {"toAgent": "bo", "note": "Speaks Mandarin only."})
    assert handed.status_code == 200, handed.text
    offer = handed.json()["offer"]
    assert offer["agentID"] == "bo" and offer["expiresAt"] - offer["offeredAt"] == 60_000
    assert "assigneeID" not in handed.json()
    notes = call(node, "GET", path + "/messages", tokens["sam"]).json()["items"]
    assert notes[-1]["internal"] and notes[-1]["text"] == "Transferred to agent bo.\nSpeaks Mandarin only."

    other = cluster.nodes[3]
    assert call(other, "POST", path + "/accept", tokens["alex"]).status_code == 403
    declined = call(other, "POST", path + "/decline", tokens["bo"])
    assert declined.status_code == 200, declined.text
    assert declined.json()["declinedBy"] == ["bo"] and "offer" not in declined.json()

    assert call(other, "POST", path + "/transfer", tokens["sam"], {"toAgent": "alex"}).status_code == 200
    accepted = call(node, "POST", path + "/accept", tokens["alex"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["assigneeID"] == "alex" and accepted.json()["declinedBy"] == []
    assert call(node, "POST", path + "/accept", tokens["alex"]).status_code == 409

    queued = call(node, "POST", path + "/transfer", tokens["alex"], {"toQueue": "tech"})
    assert queued.status_code == 200 and queued.json()["queue"] == "tech" and "assigneeID" not in queued.json()
    for each in cluster.nodes.values():
        assert call(each, "GET", path, tokens["sam"]).json()["queue"] == "tech"
    actions = [e["action"] for e in call(node, "GET", "/v1/audit?limit=500", cluster.token).json()["items"]]
    assert actions.count("conversation.transfer") == 3 and "conversation.decline" in actions


def test_sentiment_and_reroute(desk):
    cluster, tokens = desk
    node = cluster.nodes[2]
    create_queue(node, tokens["sam"], id="support", name="Support")
    create_queue(node, tokens["sam"], id="escalations", name="Escalations")
    rule = call(node, "POST", "/v1/routing-rules", tokens["sam"], {
        "id": "angry", "name": "Angry customers", "conditions": {"sentiments": ["angry"]}, "queueID": "escalations",
        "raisePriorityTo": "urgent"})
    assert rule.status_code == 201, rule.text
    conversation = open_conversation(cluster, node, "s-1", queue="support")["id"]
    path = f"/v1/conversations/{conversation}"
    assert call(node, "PUT", path + "/sentiment", tokens["alex"], {"sentiment": "furious"}).status_code == 400
    assert call(node, "PUT", path + "/sentiment", tokens["alex"], {}).status_code == 400
    flagged = call(node, "PUT", path + "/sentiment", tokens["alex"], {"sentiment": "angry"})
    assert flagged.status_code == 200 and flagged.json()["sentiment"] == "angry"
    rerouted = call(node, "POST", path + "/reroute", tokens["alex"])
    assert rerouted.status_code == 200, rerouted.text
    assert rerouted.json()["queue"] == "escalations" and rerouted.json()["priority"] == "urgent"
    cleared = call(node, "PUT", path + "/sentiment", tokens["sam"], {"sentiment": None})
    assert cleared.status_code == 200 and "sentiment" not in cleared.json()
    loose = open_conversation(cluster, node, "s-2")["id"]
    assert call(node, "POST", f"/v1/conversations/{loose}/reroute", tokens["sam"]).status_code == 409


def test_the_customer_rates_a_resolved_conversation_once(desk):
    cluster, tokens = desk
    node = cluster.nodes[1]
    conversation = open_conversation(cluster, node, "c-1")["id"]
    path = f"/v1/conversations/{conversation}"
    assert call(node, "POST", path + "/rating", cluster.token, {"score": 5}).status_code == 409  # still open
    assert call(node, "PATCH", path, cluster.token, {"status": "resolved"}).status_code == 200
    assert call(node, "POST", path + "/rating", tokens["alex"], {"score": 5}).status_code == 403
    assert call(node, "POST", path + "/rating", cluster.token, {"score": 6}).status_code == 400
    assert call(node, "POST", path + "/rating", cluster.token, {"score": "5"}).status_code == 400
    rated = call(node, "POST", path + "/rating", cluster.token, {"score": 4, "comment": "Quick and kind"})
    assert rated.status_code == 200, rated.text
    assert rated.json()["rating"]["score"] == 4 and rated.json()["rating"]["comment"] == "Quick and kind"
    assert call(cluster.nodes[3], "POST", path + "/rating", cluster.token, {"score": 1}).status_code == 409
    for each in cluster.nodes.values():
        assert call(each, "GET", path, tokens["sam"]).json()["rating"]["score"] == 4
    assert call(node, "POST", "/v1/conversations/nope/rating", cluster.token, {"score": 3}).status_code == 404


def slot_worker_running(cluster):
    members = cluster.nodes[1].status()["members"]
    return all("slots" in member for member in members)


# Needs the slot worker (a separate piece of work in progress): it proposes each slot owner's
# `dueWork`. Until `GET /v1/cluster` shows each member's `slots`, this test skips.
def test_waiting_conversations_are_routed_automatically(desk):
    cluster, tokens = desk
    if not slot_worker_running(cluster):
        pytest.skip("the slot worker is not running yet: GET /v1/cluster members have no `slots`")
    node = cluster.nodes[1]
    create_queue(node, tokens["sam"], id="english", name="English", language="en")
    create_queue(node, tokens["sam"], id="offers", name="Offers", language="zh", offerTimeoutSeconds=30)
    english = open_conversation(cluster, node, "a-1", queue="english", language="en-US")["id"]
    chinese = open_conversation(cluster, node, "a-2", queue="offers", language="zh-CN")["id"]
    deadline = time.time() + 20
    while time.time() < deadline:
        first = call(node, "GET", f"/v1/conversations/{english}", tokens["sam"]).json()
        second = call(node, "GET", f"/v1/conversations/{chinese}", tokens["sam"]).json()
        if first.get("assigneeID") and second.get("offer"):
            break
        time.sleep(0.2)
    assert first.get("assigneeID") == "alex", first
    assert second.get("offer", {}).get("agentID") == "bo", second
    accepted = call(cluster.nodes[3], "POST", f"/v1/conversations/{chinese}/accept", tokens["bo"])
    assert accepted.status_code == 200 and accepted.json()["assigneeID"] == "bo"
