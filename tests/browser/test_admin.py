"""The administration pages in a real browser: teams, agents and canned responses."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import screenshot
from pages import call, click, create_staff, sign_in, texts, wait_for


def fill(driver, values):
    for field_id, value in values.items():
        element = driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)


def test_admin_manages_teams_agents_and_canned_responses(cluster, browsers):
    create_staff(cluster, "ada", role="admin")
    driver = browsers()
    sign_in(driver, cluster.nodes[2].url, "ada@example.com", page="/admin/")
    wait_for(driver, lambda d: d.find_element(By.ID, "agents-table"), "the agents section")

    click(driver, '[data-section="teams"]', "the teams section")
    fill(driver, {"teams-id": "billing", "teams-name": "Billing"})
    driver.find_element(By.CSS_SELECTOR, "#teams-form button[type=submit]").click()
    wait_for(driver, lambda d: "Billing" in texts(d, "#teams-table td"), "the new team")

    click(driver, '[data-section="agents"]', "the agents section")
    fill(driver, {"agents-name": "Li Na", "agents-email": "li@example.com", "agents-password": "a long password",
                  "agents-languages": "zh, en", "agents-skills": "billing:4"})
    wait_for(driver, lambda d: [o.text for o in Select(d.find_element(By.ID, "agents-teamIDs")).options] == ["Billing"],
             "team options")
    Select(driver.find_element(By.ID, "agents-teamIDs")).select_by_value("billing")
    driver.find_element(By.CSS_SELECTOR, "#agents-form button[type=submit]").click()
    wait_for(driver, lambda d: "li@example.com" in texts(d, "#agents-table td"), "the new agent")
    agents = call(cluster.nodes[1].url, "GET", "/v1/agents?limit=500", cluster.token).json()["items"]
    li = next(a for a in agents if a["email"] == "li@example.com")
    assert li["teamIDs"] == ["billing"] and li["skills"] == {"billing": 4} and sorted(li["languages"]) == ["en", "zh"]

    # Edit: promote to supervisor; the password stays as it was.
    click(driver, f'#agents-table [data-id="{li["id"]}"] .edit', "edit")
    Select(driver.find_element(By.ID, "agents-role")).select_by_value("supervisor")
    driver.find_element(By.CSS_SELECTOR, "#agents-form button[type=submit]").click()
    wait_for(driver, lambda d: call(cluster.nodes[3].url, "GET", f"/v1/agents/{li['id']}", cluster.token).json()["role"]
             == "supervisor", "the promotion")
    login = call(cluster.nodes[3].url, "POST", "/v1/auth/login", "", {"email": "li@example.com", "password": "a long password"})
    assert login.status_code == 200

    click(driver, '[data-section="canned"]', "the canned responses section")
    fill(driver, {"canned-shortcut": "thanks", "canned-title": "Thanks", "canned-text": "Thank you for waiting!"})
    driver.find_element(By.CSS_SELECTOR, "#canned-form button[type=submit]").click()
    wait_for(driver, lambda d: "thanks" in " ".join(texts(d, "#canned-table td")), "the canned response")
    screenshot(driver, "admin-canned")
    click(driver, '[data-section="agents"]', "the agents section")
    screenshot(driver, "admin-agents")

    # A chat widget: its public key and the line to put on the site.
    click(driver, '[data-section="widgets"]', "the widgets section")
    fill(driver, {"widgets-name": "Web shop", "widgets-queue": "sales", "widgets-greeting": "Hi! How can we help?"})
    Select(driver.find_element(By.ID, "widgets-team")).select_by_value("billing")
    driver.find_element(By.CSS_SELECTOR, "#widgets-form button[type=submit]").click()
    wait_for(driver, lambda d: "Web shop" in texts(d, "#widgets-table td"), "the new widget")
    widget = call(cluster.nodes[1].url, "GET", "/v1/widgets", cluster.token).json()["items"][0]
    assert widget["queue"] == "sales" and widget["teamID"] == "billing"
    click(driver, f'#widgets-table [data-id="{widget["id"]}"] .edit', "edit the widget")
    snippet = wait_for(driver, lambda d: d.find_element(By.ID, "widget-snippet").text, "the embed snippet")
    assert f'data-widget-key="{widget["publicKey"]}"' in snippet and "/widget.js" in snippet
    screenshot(driver, "admin-widget")

    # A queue, and a rule that sends VIP Chinese-speaking web chats to it at high priority.
    click(driver, '[data-section="queues"]', "the queues section")
    fill(driver, {"queues-id": "vip", "queues-name": "VIP desk", "queues-requiredSkills": "billing:3"})
    Select(driver.find_element(By.ID, "queues-strategy")).select_by_value("skillsWeighted")
    driver.find_element(By.CSS_SELECTOR, "#queues-form button[type=submit]").click()
    wait_for(driver, lambda d: "VIP desk" in texts(d, "#queues-table td"), "the new queue")
    queue = call(cluster.nodes[2].url, "GET", "/v1/queues/vip", cluster.token).json()
    assert queue["strategy"] == "skillsWeighted" and queue["requiredSkills"] == {"billing": 3}

    click(driver, '[data-section="rules"]', "the routing rules section")
    fill(driver, {"rules-name": "VIP in Chinese", "rules-languages": "zh"})
    Select(driver.find_element(By.ID, "rules-queueID")).select_by_value("vip")
    Select(driver.find_element(By.ID, "rules-raisePriorityTo")).select_by_value("high")
    Select(driver.find_element(By.ID, "rules-tier")).select_by_value("vip")
    Select(driver.find_element(By.ID, "rules-channels")).select_by_value("web")
    driver.find_element(By.CSS_SELECTOR, "#rules-form button[type=submit]").click()
    wait_for(driver, lambda d: "VIP in Chinese" in texts(d, "#rules-table td"), "the new rule")
    rule = call(cluster.nodes[3].url, "GET", "/v1/routing-rules", cluster.token).json()["items"][0]
    assert rule["queueID"] == "vip" and rule["raisePriorityTo"] == "high" and rule["enabled"] is True
    assert rule["conditions"]["languages"] == ["zh"] and rule["conditions"]["tier"] == "vip"
    assert rule["conditions"]["channels"] == ["web"]
    screenshot(driver, "admin-rules")


def test_supervisor_sets_business_hours_and_an_sla_policy(cluster, browsers):
    create_staff(cluster, "sue", role="supervisor")
    assert call(cluster.nodes[1].url, "POST", "/v1/teams", cluster.token, {"id": "tier2", "name": "Tier 2"}).status_code == 201
    driver = browsers()
    sign_in(driver, cluster.nodes[2].url, "sue@example.com", page="/admin/")
    click(driver, '[data-section="calendars"]', "the business hours section")

    # A new calendar starts as Monday to Friday, 9 to 5, in the browser's time zone.
    assert driver.find_element(By.ID, "calendars-openingHours-3").get_attribute("value") == "09:00-17:00"
    assert driver.find_element(By.ID, "calendars-openingHours-7").get_attribute("value") == ""
    fill(driver, {"calendars-id": "berlin", "calendars-name": "Berlin office", "calendars-timeZone": "Europe/Berlin",
                  "calendars-openingHours-1": "08:00-12:00, 13:00-17:00", "calendars-openingHours-6": "9 to 5",
                  "calendars-holidays": "2026-12-25, 2026-12-26"})
    driver.find_element(By.CSS_SELECTOR, "#calendars-form button[type=submit]").click()
    error = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#calendars-form .form-error").text, "the form error")
    assert "Saturday" in error and "09:00-17:00" in error
    fill(driver, {"calendars-openingHours-6": "10:00-14:00"})
    driver.find_element(By.CSS_SELECTOR, "#calendars-form button[type=submit]").click()
    wait_for(driver, lambda d: "Berlin office" in texts(d, "#calendars-table td"), "the new calendar")
    assert "Mon 08:00-12:00, 13:00-17:00; Tue–Fri 09:00-17:00; Sat 10:00-14:00" in texts(driver, "#calendars-table td")
    calendar = call(cluster.nodes[3].url, "GET", "/v1/business-calendars/berlin", cluster.token).json()
    assert calendar["timeZone"] == "Europe/Berlin" and calendar["offsetChanges"]
    assert calendar["holidays"] == ["2026-12-25", "2026-12-26"]
    hours = [(p["weekday"], p["startMinuteOfDay"], p["endMinuteOfDay"]) for p in calendar["openingHours"]]
    assert hours == [(1, 480, 720), (1, 780, 1020), (2, 540, 1020), (3, 540, 1020), (4, 540, 1020), (5, 540, 1020),
                     (6, 600, 840)]
    screenshot(driver, "admin-business-hours")

    # Edit: closed on Saturdays, no holidays.
    click(driver, '#calendars-table [data-id="berlin"] .edit', "edit the calendar")
    assert driver.find_element(By.ID, "calendars-openingHours-1").get_attribute("value") == "08:00-12:00, 13:00-17:00"
    fill(driver, {"calendars-openingHours-6": "", "calendars-holidays": ""})
    driver.find_element(By.CSS_SELECTOR, "#calendars-form button[type=submit]").click()
    wait_for(driver, lambda d: [p["weekday"] for p in call(cluster.nodes[1].url, "GET", "/v1/business-calendars/berlin",
                                                           cluster.token).json()["openingHours"]] == [1, 1, 2, 3, 4, 5],
             "Saturday closed")
    assert call(cluster.nodes[1].url, "GET", "/v1/business-calendars/berlin", cluster.token).json()["holidays"] == []

    # An SLA policy on those hours: targets per priority, a warning, the default for new tickets.
    click(driver, '[data-section="policies"]', "the SLA policies section")
    wait_for(driver, lambda d: "berlin" in [o.get_attribute("value") for o in Select(d.find_element(By.ID, "policies-calendarID")).options],
             "the calendar among the options")
    fill(driver, {"policies-name": "Standard", "policies-warningMinutes": "15",
                  "policies-targets-urgent-firstResponseMinutes": "15", "policies-targets-urgent-resolutionMinutes": "240",
                  "policies-targets-normal-firstResponseMinutes": "60", "policies-targets-normal-nextResponseMinutes": "120",
                  "policies-targets-normal-resolutionMinutes": "480"})
    Select(driver.find_element(By.ID, "policies-calendarID")).select_by_value("berlin")
    driver.find_element(By.ID, "policies-isDefault").click()
    driver.find_element(By.ID, "policies-raisePriority").click()
    Select(driver.find_element(By.ID, "policies-teamID")).select_by_value("tier2")
    driver.find_element(By.CSS_SELECTOR, "#policies-form button[type=submit]").click()
    wait_for(driver, lambda d: "Standard" in texts(d, "#policies-table td"), "the new policy")
    policies = call(cluster.nodes[3].url, "GET", "/v1/sla-policies", cluster.token).json()["items"]
    assert len(policies) == 1
    policy = policies[0]
    assert policy["name"] == "Standard" and policy["calendarID"] == "berlin" and policy["isDefault"] is True
    assert policy["warningMinutes"] == 15 and "reminderMinutes" not in policy
    assert policy["targets"] == {"urgent": {"firstResponseMinutes": 15, "resolutionMinutes": 240},
                                 "normal": {"firstResponseMinutes": 60, "nextResponseMinutes": 120, "resolutionMinutes": 480}}
    assert policy["escalation"] == {"raisePriority": True, "teamID": "tier2", "unassign": False}
    row = " ".join(texts(driver, f'#policies-table [data-id="{policy["id"]}"] td'))
    assert "Berlin office" in row and "normal: 1 h / 2 h / 8 h" in row, row
    screenshot(driver, "admin-sla-policies")

    # Edit: a faster normal first response and reminders every 30 minutes; nothing else changes.
    click(driver, f'#policies-table [data-id="{policy["id"]}"] .edit', "edit the policy")
    assert driver.find_element(By.ID, "policies-targets-normal-firstResponseMinutes").get_attribute("value") == "60"
    assert driver.find_element(By.ID, "policies-isDefault").is_selected()
    fill(driver, {"policies-targets-normal-firstResponseMinutes": "45", "policies-reminderMinutes": "30"})
    driver.find_element(By.CSS_SELECTOR, "#policies-form button[type=submit]").click()
    wait_for(driver, lambda d: call(cluster.nodes[1].url, "GET", f"/v1/sla-policies/{policy['id']}", cluster.token).json()
             ["targets"]["normal"]["firstResponseMinutes"] == 45, "the edited target")
    edited = call(cluster.nodes[1].url, "GET", f"/v1/sla-policies/{policy['id']}", cluster.token).json()
    assert edited["reminderMinutes"] == 30 and edited["calendarID"] == "berlin" and edited["isDefault"] is True
    assert edited["targets"]["urgent"] == {"firstResponseMinutes": 15, "resolutionMinutes": 240}
    assert edited["escalation"] == policy["escalation"]

    # New tickets follow the default policy on the Berlin hours.
    customer = call(cluster.nodes[1].url, "POST", "/v1/customers", cluster.token, {"name": "Kim"}).json()
    ticket = call(cluster.nodes[1].url, "POST", "/v1/tickets", cluster.token, {"requester": customer["id"], "subject": "Hi"})
    assert ticket.status_code == 201, ticket.text
    assert ticket.json()["slaPolicyID"] == policy["id"] and ticket.json()["sla"]["firstResponse"]["dueAt"] > 0


def test_admin_points_a_channel_at_its_gateway_and_sees_what_is_not_delivered(cluster, browsers):
    """The Channels section sets the WeChat webhook (its secret shown once), lists a reply
    the gateway could not take with the reason, makes a new secret, and removes the webhook."""
    create_staff(cluster, "ada", role="admin")
    create_staff(cluster, "alex")
    driver = browsers()
    sign_in(driver, cluster.nodes[2].url, "ada@example.com", page="/admin/")
    click(driver, '[data-section="channels"]', "the channels section")
    # Nothing listens on port 9 of loopback: every attempt fails at once.
    gateway = "http://127.0.0.1:9/switchboard"
    Select(driver.find_element(By.ID, "channels-channel")).select_by_value("wechat")
    fill(driver, {"channels-url": gateway})
    driver.find_element(By.CSS_SELECTOR, "#channels-form button[type=submit]").click()
    secret = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#webhook-secret code").text, "the new secret")
    assert secret.startswith("whsec_")
    wait_for(driver, lambda d: gateway in texts(d, '#channels-table [data-channel="wechat"] td'), "the webhook row")
    assert "notifications wait" in " ".join(texts(driver, '#channels-table [data-channel="email"] td'))

    api = cluster.nodes[1].url
    customer = call(api, "POST", "/v1/customers", cluster.token, {"name": "Li Wei", "externalIDs": {"wechat": "wx-7"}}).json()
    ticket = call(api, "POST", "/v1/tickets", cluster.token, {"subject": "Parcel", "requester": customer["id"], "channel": "wechat"}).json()
    reply = call(api, "POST", f"/v1/tickets/{ticket['id']}/comments", cluster.token,
                 {"author": {"type": "agent", "id": "alex"}, "text": "It ships tomorrow."})
    assert reply.status_code == 201, reply.text
    wait_for(driver, lambda d: call(api, "GET", f"/v1/outbox?ticket={ticket['id']}", cluster.token).json()["items"][0]
             .get("attempts", 0) >= 1, "a failed attempt")
    driver.refresh()
    row = wait_for(driver, lambda d: " ".join(texts(d, "#undelivered-table td")), "the undelivered notification")
    assert "reply: It ships tomorrow." in row and "could not be reached" in row and ticket["id"] in row
    assert not driver.find_elements(By.ID, "webhook-secret"), "the secret is shown only once"
    assert "null" not in driver.find_element(By.ID, "section-channels").text
    screenshot(driver, "admin-channels")

    click(driver, '#channels-table [data-channel="wechat"] .rotate', "new secret")
    rotated = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#webhook-secret code").text, "the rotated secret")
    assert rotated.startswith("whsec_") and rotated != secret
    click(driver, '#channels-table [data-channel="wechat"] .delete', "remove the webhook")
    driver.switch_to.alert.accept()
    wait_for(driver, lambda d: "notifications wait" in " ".join(texts(d, '#channels-table [data-channel="wechat"] td')),
             "the removed webhook")
    assert call(api, "GET", "/v1/channels/webhooks", cluster.token).json()["items"] == []
