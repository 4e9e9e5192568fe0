"""The agent console in a real browser, served through HAProxy, against real nodes."""
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import screenshot
from pages import (call, click, console_is_live, console_messages, create_staff, open_in_inbox, sign_in, texts, type_reply,
                   wait_for)


def open_conversation(cluster, external_id, subject, **fields):
    reply = call(cluster.nodes[1].url, "POST", "/v1/conversations", cluster.token, {
        "customer": {"externalId": external_id, "name": f"Visitor {external_id}"}, "channel": "web",
        "subject": subject, **fields})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


def customer_says(cluster, conversation_id, text, node=1):
    reply = call(cluster.nodes[node].url, "POST", f"/v1/conversations/{conversation_id}/messages", cluster.token,
                 {"author": {"type": "customer"}, "text": text})
    assert reply.status_code == 201, reply.text


def test_agent_works_a_conversation_live_with_canned_responses_notes_and_shortcuts(cluster, browsers):
    balancer = cluster.balancer.start()
    assert call(cluster.nodes[1].url, "POST", "/v1/teams", cluster.token, {"id": "billing", "name": "Billing"}).status_code == 201
    assert call(cluster.nodes[1].url, "POST", "/v1/queues", cluster.token, {"id": "billing", "name": "Billing"}).status_code == 201
    create_staff(cluster, "alex", teams=("billing",))
    create_staff(cluster, "sam", role="supervisor")
    canned = call(cluster.nodes[1].url, "POST", "/v1/canned-responses", cluster.token,
                  {"title": "Refund policy", "text": "Refunds take 3 to 5 working days.", "shortcut": "refund"})
    assert canned.status_code == 201, canned.text
    driver = browsers()
    sign_in(driver, balancer.url, "alex@example.com")
    wait_for(driver, console_is_live, "the live connection")
    screenshot(driver, "console-empty")

    # A conversation that arrives after sign-in appears in the Unassigned view without a reload.
    conversation = open_conversation(cluster, "v-live", "Where is my parcel?")
    customer_says(cluster, conversation, "Hello, my parcel is late", node=3)
    driver.find_element(By.CSS_SELECTOR, '.inbox-views [data-view="unassigned"]').click()
    wait_for(driver, lambda d: "Visitor v-live" in " ".join(texts(d, "#inbox-list .inbox-customer")),
             "the new conversation in the inbox")
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, '[data-count="unassigned"]').text == "1", "the count")
    open_in_inbox(driver, conversation, view="unassigned")
    wait_for(driver, lambda d: [t for _, t in console_messages(d)] == ["Hello, my parcel is late"], "the history")
    wait_for(driver, lambda d: d.find_element(By.ID, "profile-name").text.startswith("Visitor v-live"), "the profile")
    click(driver, "#profile-edit", "edit the profile")
    driver.find_element(By.ID, "profile-email-input").send_keys("parcel@example.com")
    driver.find_element(By.CSS_SELECTOR, "#profile-form button[type=submit]").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "profile-email").text == "parcel@example.com", "the saved email")

    # Keyboard: a assigns to me; the conversation moves to Mine.
    driver.find_element(By.TAG_NAME, "body").send_keys("a")
    wait_for(driver, lambda d: d.find_element(By.ID, "conversation-assignee").text == "Alex", "the assignment")

    # A canned response through /shortcut, then an internal note.
    box = driver.find_element(By.ID, "composer-text")
    box.click()
    box.send_keys("Sorry! /ref")
    wait_for(driver, lambda d: d.find_element(By.ID, "canned-suggestions").is_displayed(), "canned suggestions")
    box.send_keys(Keys.ENTER)
    assert box.get_attribute("value") == "Sorry! Refunds take 3 to 5 working days."
    box.send_keys(Keys.ENTER)
    type_reply(driver, "Customer sounds upset; offer a voucher", note=True)
    customer_says(cluster, conversation, "Thanks, and the voucher?", node=2)
    expected = ["Hello, my parcel is late", "Sorry! Refunds take 3 to 5 working days.",
                "Customer sounds upset; offer a voucher", "Thanks, and the voucher?"]
    wait_for(driver, lambda d: [t for _, t in console_messages(d)] == expected, "the replies and the live message")
    assert not driver.find_elements(By.CSS_SELECTOR, "#messages .message--pending")
    notes = driver.find_elements(By.CSS_SELECTOR, "#messages .message--internal")
    assert [n.find_element(By.CLASS_NAME, "message-text").text for n in notes] == ["Customer sounds upset; offer a voucher"]
    screenshot(driver, "console-conversation")

    stored = call(cluster.nodes[3].url, "GET", f"/v1/conversations/{conversation}/messages", cluster.token).json()["items"]
    assert [(m["text"], m.get("internal", False)) for m in stored] == [
        (expected[0], False), (expected[1], False), (expected[2], True), (expected[3], False)]

    # A supervisor assigns another conversation to alex: a notification offers to open it.
    other = open_conversation(cluster, "v-assigned", "Invoice copy")
    sam = call(cluster.nodes[2].url, "POST", "/v1/auth/login", None, {"email": "sam@example.com", "password": "correct horse battery"})
    assert call(cluster.nodes[2].url, "PATCH", f"/v1/conversations/{other}", sam.json()["token"],
                {"assignee": "alex"}).status_code == 200
    toast = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#toasts .toast"), "the assignment notification")
    assert "assigned to you" in toast.text and "Visitor v-assigned" in toast.text
    screenshot(driver, "console-notification")

    # e resolves; the conversation leaves the open Mine view. Presence switches with s.
    driver.find_element(By.TAG_NAME, "body").send_keys("e")
    wait_for(driver, lambda d: d.find_element(By.ID, "conversation-status").text == "resolved", "resolved")
    driver.find_element(By.TAG_NAME, "body").send_keys("1")
    wait_for(driver, lambda d: conversation not in [e.get_attribute("data-conversation-id")
                                                    for e in d.find_elements(By.CSS_SELECTOR, "#inbox-list [data-conversation-id]")],
             "the resolved conversation to leave the open view")
    assert call(cluster.nodes[1].url, "GET", "/v1/agents/alex", cluster.token).json()["status"] == "offline"
    driver.find_element(By.TAG_NAME, "body").send_keys("s")
    wait_for(driver, lambda d: call(cluster.nodes[2].url, "GET", "/v1/agents/alex", cluster.token).json()["status"] == "online",
             "presence online")
    driver.find_element(By.TAG_NAME, "body").send_keys("?")
    wait_for(driver, lambda d: d.find_element(By.ID, "shortcuts-help").is_displayed(), "the shortcut list")
    screenshot(driver, "console-shortcuts")
    driver.find_element(By.CSS_SELECTOR, "#shortcuts-help button").click()

    # Away (s again), then transfer the assigned conversation to the billing queue with a note:
    # nobody online takes it, so it waits there, unassigned, and leaves Mine.
    driver.find_element(By.TAG_NAME, "body").send_keys("s")
    wait_for(driver, lambda d: call(cluster.nodes[2].url, "GET", "/v1/agents/alex", cluster.token).json()["status"] == "away",
             "presence away")
    open_in_inbox(driver, other, view="mine")
    driver.find_element(By.TAG_NAME, "body").send_keys("t")
    wait_for(driver, lambda d: d.find_element(By.ID, "transfer-dialog").is_displayed(), "the transfer dialog")
    Select(driver.find_element(By.ID, "transfer-queue")).select_by_value("billing")
    driver.find_element(By.ID, "transfer-note").send_keys("Needs an invoice copy")
    screenshot(driver, "console-transfer")
    driver.find_element(By.ID, "transfer-submit").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "conversation-assignee").text == "nobody", "the transfer")
    moved = call(cluster.nodes[3].url, "GET", f"/v1/conversations/{other}", cluster.token).json()
    assert moved.get("assigneeID") is None and moved["queue"] == "billing", moved
    notes = call(cluster.nodes[3].url, "GET", f"/v1/conversations/{other}/messages", cluster.token).json()["items"]
    assert any(m.get("internal") and "Needs an invoice copy" in m["text"] for m in notes), notes

    # The queue filter: only the billing queue's conversations.
    driver.find_element(By.TAG_NAME, "body").send_keys("3")
    wait_for(driver, lambda d: "billing" in [o.get_attribute("value") for o in Select(d.find_element(By.ID, "filter-queue")).options],
             "the billing queue among the filters")
    Select(driver.find_element(By.ID, "filter-queue")).select_by_value("billing")
    listed = lambda d: [e.get_attribute("data-conversation-id") for e in d.find_elements(By.CSS_SELECTOR, "#inbox-list [data-conversation-id]")]
    wait_for(driver, lambda d: listed(d) == [other], "only the billing queue")


def test_console_recovers_on_another_node_when_its_node_dies(cluster, browsers):
    balancer = cluster.balancer.pin(2)
    create_staff(cluster, "alex")
    conversation = open_conversation(cluster, "v-failover", "Failover")
    customer_says(cluster, conversation, "first")
    driver = browsers()
    sign_in(driver, balancer.url, "alex@example.com")
    open_in_inbox(driver, conversation, view="unassigned")
    click(driver, "#assign-self", "assign to me")
    wait_for(driver, console_is_live, "the live connection")
    wait_for(driver, lambda d: [t for _, t in console_messages(d)] == ["first"], "the history")

    # The console's only node dies; the balancer now knows the others.
    balancer.open_to_all()
    cluster.nodes[2].kill()
    wait_for(driver, lambda d: "Reconnecting" in d.find_element(By.ID, "connection").text, "the reconnecting banner")
    screenshot(driver, "console-reconnecting")
    type_reply(driver, "reply during the outage")
    # Node 2 may have led: a write without an idempotency key forwarded to it just before it
    # died waits out its timeout and answers 503 (outcome unknown; a keyed one would go to the
    # next leader). The customers below, unkeyed, write once node 1 follows a live leader.
    cluster.wait_until(lambda: (cluster.nodes[1].status() or {}).get("leader") in ("1", "3"), "a live leader that node 1 knows")
    customer_says(cluster, conversation, "customer during the outage", node=1)
    customer_says(cluster, conversation, "customer again", node=3)

    wait_for(driver, console_is_live, "the console to be live again", timeout=20)
    customer_says(cluster, conversation, "after recovery", node=1)
    stored = lambda: [(m["id"], m["text"]) for m in call(cluster.nodes[1].url, "GET",
                      f"/v1/conversations/{conversation}/messages", cluster.token).json()["items"]]
    wait_for(driver, lambda d: len(stored()) == 5 and console_messages(d) == stored(), "every message exactly once")
    assert sorted(t for _, t in stored()) == sorted(["first", "reply during the outage", "customer during the outage",
                                                   "customer again", "after recovery"])
    assert not driver.find_elements(By.CSS_SELECTOR, "#messages .message--pending")
    screenshot(driver, "console-recovered")


def test_routing_offers_a_conversation_and_the_agent_accepts_it(cluster, browsers):
    node = cluster.nodes[1].url
    assert call(node, "POST", "/v1/queues", cluster.token,
                {"id": "sales", "name": "Sales", "offerTimeoutSeconds": 60}).status_code == 201
    create_staff(cluster, "alex")
    driver = browsers()
    sign_in(driver, cluster.balancer.start().url, "alex@example.com")
    driver.find_element(By.TAG_NAME, "body").send_keys("s")  # online: routing may offer now
    wait_for(driver, lambda d: call(node, "GET", "/v1/agents/alex", cluster.token).json()["status"] == "online", "online")
    conversation = open_conversation(cluster, "v-offer", "Buying in bulk", queue="sales")
    offer = f'#offers [data-conversation-id="{conversation}"]'
    wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, offer).is_displayed(), "the offer", timeout=20)
    assert "left" in driver.find_element(By.CSS_SELECTOR, f"{offer} .offer-countdown").text
    toast = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#toasts .toast"), "the offer notification")
    assert "offered to you" in toast.text
    screenshot(driver, "console-offer")
    driver.find_element(By.TAG_NAME, "body").send_keys("y")
    wait_for(driver, lambda d: d.find_element(By.ID, "conversation-assignee").text == "Alex", "the accepted conversation")
    assert not driver.find_elements(By.CSS_SELECTOR, offer)
    assert call(node, "GET", f"/v1/conversations/{conversation}", cluster.token).json()["assigneeID"] == "alex"


def test_a_reply_to_a_wechat_customer_shows_how_it_went_out(cluster, browsers):
    """On a WeChat conversation the customer does not read live: under the reply the console
    says it could not be delivered yet (the gateway answers 500) and, once the gateway takes it,
    that it was sent; after a reload too."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    accepting = threading.Event()

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204 if accepting.is_set() else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = call(cluster.nodes[1].url, "PUT", "/v1/channels/wechat/webhook", cluster.token,
                    {"url": f"http://127.0.0.1:{server.server_address[1]}/wechat"})
        assert hook.status_code == 201, hook.text
        create_staff(cluster, "sam", role="supervisor")
        conversation = open_conversation(cluster, "wx-parcel", "Parcel", channel="wechat")
        customer_says(cluster, conversation, "我的包裹呢？")
        driver = browsers()
        sign_in(driver, cluster.nodes[2].url, "sam@example.com")
        open_in_inbox(driver, conversation)
        type_reply(driver, "It ships tomorrow.")
        line = '#messages li[data-message-id] .message-delivery'
        wait_for(driver, lambda d: "trying again" in " ".join(texts(d, line)), "the failed attempt under the reply")
        assert "HTTP 500" in " ".join(texts(driver, line))
        accepting.set()
        wait_for(driver, lambda d: texts(d, line) == ["Sent to WeChat"], "the delivery", timeout=20)
        screenshot(driver, "console-wechat-delivery")
        driver.refresh()
        wait_for(driver, console_is_live, "the live connection")
        open_in_inbox(driver, conversation)
        wait_for(driver, lambda d: texts(d, line) == ["Sent to WeChat"], "the delivery after a reload")
        assert len(texts(driver, "#messages li[data-message-id]")) == 2
    finally:
        server.shutdown()
        server.server_close()
