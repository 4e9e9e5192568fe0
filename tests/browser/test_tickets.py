"""Tickets in the agent console: a ticket from a conversation, the ticket list, the ticket view
with its SLA countdowns, comments and status moves, seen live by a console on another node."""
import re
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import screenshot
from pages import call, click, create_staff, open_in_inbox, sign_in, texts, wait_for
from test_console import customer_says, open_conversation

COUNTDOWN = re.compile(r"^(\d+ d )?\d+:\d\d:\d\d left$")


def ok(reply, status=200):
    assert reply.status_code == status, reply.text
    return reply.json()


def ticket_comments(driver):
    """(text, internal) of each comment shown in the open ticket, in order."""
    for _ in range(20):
        try:
            return [(e.find_element(By.CLASS_NAME, "message-text").text, "message--internal" in e.get_attribute("class"))
                    for e in driver.find_elements(By.CSS_SELECTOR, "#ticket-comments li[data-comment-seq]")]
        except Exception:  # a live re-render replaced the list
            time.sleep(0.05)
    raise AssertionError("comments kept changing")


def sla_row(driver, metric):
    return driver.find_element(By.CSS_SELECTOR, f'#ticket-sla [data-metric="{metric}"]')


def list_item(driver, ticket_id):
    return driver.find_element(By.CSS_SELECTOR, f'#ticket-list [data-ticket-id="{ticket_id}"]')


def status_options(driver):
    return [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "ticket-status")).options]


def choose(driver, select_id, value):
    """Picks an option of a select that a live re-render may replace at any moment."""
    def attempt(d):
        Select(d.find_element(By.ID, select_id)).select_by_value(value)
        return True
    wait_for(driver, attempt, f"{value} in {select_id}")


def press(driver, key):
    driver.find_element(By.TAG_NAME, "body").send_keys(key)


def test_agent_works_a_ticket_from_a_conversation_while_another_node_watches(cluster, browsers):
    node = cluster.nodes[1].url
    create_staff(cluster, "alex")
    create_staff(cluster, "sam", role="supervisor")
    ok(call(node, "POST", "/v1/sla-policies", cluster.token, {
        "id": "standard", "name": "Standard", "isDefault": True,
        "targets": {"normal": {"firstResponseMinutes": 60, "nextResponseMinutes": 30, "resolutionMinutes": 480}}}), 201)
    # A policy so tight that its first-response target is near at once and breached within a minute.
    ok(call(node, "POST", "/v1/sla-policies", cluster.token, {
        "id": "tight", "name": "Tight", "warningMinutes": 1, "targets": {"normal": {"firstResponseMinutes": 1}}}), 201)
    conversation = open_conversation(cluster, "v-ticket", "Refund for a broken kettle")
    customer_says(cluster, conversation, "The kettle I bought leaks. I want a refund.")
    customer = ok(call(node, "GET", f"/v1/conversations/{conversation}", cluster.token))["customerID"]
    tight = ok(call(node, "POST", "/v1/tickets", cluster.token, {
        "requester": customer, "subject": "Callback promised", "assignee": "alex", "slaPolicy": "tight"}), 201)

    # Alex works on node 1, Sam supervises on node 3.
    alex = browsers()
    sign_in(alex, cluster.nodes[1].url, "alex@example.com")
    sam = browsers()
    sign_in(sam, cluster.nodes[3].url, "sam@example.com")

    # From the conversation: Create ticket (c), with the subject of the conversation.
    open_in_inbox(alex, conversation, view="unassigned")
    press(alex, "c")
    wait_for(alex, lambda d: d.find_element(By.ID, "new-ticket-dialog").is_displayed(), "the new-ticket dialog")
    assert alex.find_element(By.ID, "new-ticket-subject").get_attribute("value") == "Refund for a broken kettle"
    assert Select(alex.find_element(By.ID, "new-ticket-policy")).first_selected_option.text == "Default (Standard)"
    alex.find_element(By.ID, "new-ticket-description").send_keys("Approve a refund of 49 EUR")
    screenshot(alex, "console-new-ticket")
    alex.find_element(By.ID, "new-ticket-submit").click()

    # The console switches to the ticket.
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-subject").text == "Refund for a broken kettle", "the ticket view")
    tickets = ok(call(cluster.nodes[2].url, "GET", f"/v1/tickets?requester={customer}", cluster.token))["items"]
    ticket = next(t for t in tickets if t.get("conversationID") == conversation)
    assert ticket["assigneeID"] == "alex" and ticket["status"] == "open" and ticket["slaPolicyID"] == "standard"
    assert ticket["description"] == "Approve a refund of 49 EUR"
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-requester").text == "Visitor v-ticket", "the requester")
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-status-pill").text == "open", "the status")
    assert alex.find_element(By.ID, "mode-tickets").get_attribute("aria-pressed") == "true"

    # The ticket list (Mine, active) shows it, with a countdown to its nearest target.
    wait_for(alex, lambda d: "Refund for a broken kettle" in list_item(d, ticket["id"]).text, "the ticket in the list")

    # SLA countdowns, ticking every second in the browser: first response 60 min, resolution 8 h.
    first = lambda d: sla_row(d, "firstResponse").find_element(By.CLASS_NAME, "sla-countdown")
    before = wait_for(alex, lambda d: COUNTDOWN.match(first(d).text) and first(d).get_attribute("data-state") == "ok"
                      and first(d).text, "the first-response countdown")
    assert before.startswith("0:59:"), before
    resolution = wait_for(alex, lambda d: sla_row(d, "resolution").find_element(By.CLASS_NAME, "sla-countdown").text,
                          "the resolution countdown")
    assert resolution.startswith("7:59:"), resolution
    wait_for(alex, lambda d: first(d).text != before and COUNTDOWN.match(first(d).text), "the countdown to tick")
    assert "Not running" in wait_for(alex, lambda d: sla_row(d, "nextResponse").text, "the next-response clock")
    screenshot(alex, "console-ticket-sla")

    # Sam, on another node, opens the ticket from the list of all tickets (keyboard: g, 3).
    press(sam, "g")
    press(sam, "3")
    wait_for(sam, lambda d: list_item(d, ticket["id"]).is_displayed(), "the ticket in Sam's list")
    click(sam, f'#ticket-list [data-ticket-id="{ticket["id"]}"] button', "the ticket in Sam's list")
    wait_for(sam, lambda d: d.find_element(By.ID, "ticket-subject").text == "Refund for a broken kettle", "Sam's ticket view")

    # Sam searches the list: every word must match (subject, requester, tags...); the other
    # ticket of this customer leaves the list, and comes back when the search is cleared.
    subjects = lambda d: [item.find_element(By.CLASS_NAME, "ticket-subject").text
                          for item in d.find_elements(By.CSS_SELECTOR, "#ticket-list [data-ticket-id]")]
    wait_for(sam, lambda d: "Callback promised" in subjects(d), "both tickets in Sam's list")
    search = sam.find_element(By.ID, "ticket-search")
    search.send_keys("KETTLE v-ticket")
    wait_for(sam, lambda d: subjects(d) == ["Refund for a broken kettle"], "only the kettle ticket after searching")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    wait_for(sam, lambda d: "Callback promised" in subjects(d), "the list again after clearing the search")
    search.send_keys(Keys.ESCAPE)

    # An internal comment (n), then a public reply (r).
    alex.find_element(By.ID, "ticket-comments").click()
    press(alex, "n")
    box = alex.find_element(By.ID, "ticket-composer-text")
    assert alex.switch_to.active_element == box
    box.send_keys("Checked the order: refund is fine" + Keys.ENTER)
    box.send_keys(Keys.ESCAPE)
    press(alex, "r")
    box.send_keys("We are refunding 49 EUR; you will see it in 3 days." + Keys.ENTER)
    expected = [("Checked the order: refund is fine", True), ("We are refunding 49 EUR; you will see it in 3 days.", False)]
    wait_for(alex, lambda d: ticket_comments(d) == expected, "both comments in Alex's view")
    assert not alex.find_elements(By.CSS_SELECTOR, "#ticket-comments .message--pending")
    stored = ok(call(node, "GET", f"/v1/tickets/{ticket['id']}/comments", cluster.token))["items"]
    assert [(c["text"], c["internal"]) for c in stored] == expected
    wait_for(sam, lambda d: ticket_comments(d) == expected, "both comments in Sam's view, live")

    # The public reply met the first-response target; the clock stops.
    wait_for(alex, lambda d: sla_row(d, "firstResponse").get_attribute("data-state") == "met"
             and "Met" in sla_row(d, "firstResponse").text, "first response met")

    # Status: pending (waiting on the customer) pauses the resolution clock; Sam sees it live.
    wait_for(alex, lambda d: status_options(d) == ["open", "pending", "onHold", "solved", "closed"], "the moves from open")
    choose(alex, "ticket-status", "pending")
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-status-pill").text == "pending", "pending")
    wait_for(alex, lambda d: sla_row(d, "resolution").get_attribute("data-state") == "paused", "the paused resolution clock")
    assert ok(call(cluster.nodes[3].url, "GET", f"/v1/tickets/{ticket['id']}", cluster.token))["status"] == "pending"
    wait_for(sam, lambda d: d.find_element(By.ID, "ticket-status-pill").text == "pending", "pending in Sam's view, live")
    wait_for(sam, lambda d: list_item(d, ticket["id"]).find_element(By.CSS_SELECTOR, ".pill[data-status]").text == "pending",
             "pending in Sam's list, live")
    wait_for(alex, lambda d: any("status: open → pending" in t for t in texts(d, "#ticket-history li")), "the history")
    wait_for(sam, lambda d: any("status: open → pending" in t for t in texts(d, "#ticket-history li")),
             "the history in Sam's view, live")
    screenshot(sam, "console-ticket-live")

    # Solve (e); a solved ticket may only reopen or close.
    alex.find_element(By.ID, "ticket-comments").click()
    press(alex, "e")
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-status-pill").text == "solved", "solved")
    wait_for(alex, lambda d: status_options(d) == ["solved", "open", "closed"], "the moves from solved")
    wait_for(sam, lambda d: d.find_element(By.ID, "ticket-status-pill").text == "solved", "solved in Sam's view")
    # Solved tickets leave the active list.
    wait_for(alex, lambda d: not d.find_elements(By.CSS_SELECTOR, f'#ticket-list [data-ticket-id="{ticket["id"]}"]'),
             "the solved ticket to leave the active list")
    screenshot(alex, "console-ticket-solved")

    # The conversation links to its ticket.
    click(alex, "#ticket-conversation", "open the conversation")
    wait_for(alex, lambda d: "Refund for a broken kettle (solved)" in d.find_element(By.ID, "conversation-tickets").text,
             "the ticket link in the conversation")

    # The tight ticket: near breach at once (warning), breached after its minute, in Alex's
    # list; the slot owner's timer records the breach and Alex is told.
    press(alex, "g")
    badge = lambda d: list_item(d, tight["id"]).find_element(By.CLASS_NAME, "sla-countdown")
    state = wait_for(alex, lambda d: badge(d).get_attribute("data-state"), "the tight ticket's countdown")
    assert state in ("warning", "breached"), state
    wait_for(alex, lambda d: badge(d).get_attribute("data-state") == "breached" and "overdue" in badge(d).text,
             "the breached countdown", timeout=90)
    wait_for(alex, lambda d: "SLA breached" in " ".join(texts(d, "#toasts .toast")), "the breach notification", timeout=30)
    breached = ok(call(node, "GET", f"/v1/tickets/{tight['id']}", cluster.token))["sla"]["breached"]
    assert breached == ["firstResponse"], breached
    screenshot(alex, "console-ticket-breached")

    # A second ticket from the conversation, opted out of the default policy ("None").
    click(alex, "#mode-conversations", "the conversations tab")
    open_in_inbox(alex, conversation, view="unassigned")
    press(alex, "c")
    wait_for(alex, lambda d: d.find_element(By.ID, "new-ticket-dialog").is_displayed(), "the new-ticket dialog again")
    options = [o.text for o in Select(alex.find_element(By.ID, "new-ticket-policy")).options]
    assert options == ["Default (Standard)", "Tight", "None"], options
    Select(alex.find_element(By.ID, "new-ticket-policy")).select_by_visible_text("None")
    subject = alex.find_element(By.ID, "new-ticket-subject")
    subject.clear()
    subject.send_keys("Kettle: no clock")
    alex.find_element(By.ID, "new-ticket-submit").click()
    wait_for(alex, lambda d: d.find_element(By.ID, "ticket-subject").text == "Kettle: no clock", "the second ticket")
    wait_for(alex, lambda d: "No SLA policy applies" in d.find_element(By.ID, "ticket-sla").text, "no SLA panel")
    tickets = ok(call(node, "GET", f"/v1/tickets?requester={customer}", cluster.token))["items"]
    second = next(t for t in tickets if t["subject"] == "Kettle: no clock")
    assert "slaPolicyID" not in second and second.get("conversationID") == conversation
