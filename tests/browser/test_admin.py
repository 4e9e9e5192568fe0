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
