"""The supervisor dashboard in a real browser: live figures, listen, whisper, barge, cluster health."""
from selenium.webdriver.common.by import By

from conftest import screenshot
from pages import call, click, console_messages, create_staff, open_in_inbox, sign_in, texts, wait_for
from test_console import customer_says, open_conversation


def tile(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f"#tile-{name} .tile-value").text


def test_supervisor_sees_live_figures_whispers_to_the_agent_and_barges_in(cluster, browsers):
    balancer = cluster.balancer.start()
    create_staff(cluster, "alex")
    create_staff(cluster, "sam", role="supervisor")
    waiting = open_conversation(cluster, "v-wait", "Waiting one", queue="billing")
    handled = open_conversation(cluster, "v-handled", "Handled one")
    customer_says(cluster, handled, "Can you help?")

    agent = browsers()
    sign_in(agent, cluster.nodes[3].url, "alex@example.com")
    open_in_inbox(agent, handled, view="unassigned")
    click(agent, "#assign-self", "assign to me")
    wait_for(agent, lambda d: d.find_element(By.ID, "conversation-assignee").text == "Alex", "the assignment")

    supervisor = browsers(width=1400, height=900)
    sign_in(supervisor, balancer.url, "sam@example.com", page="/dashboard/")
    wait_for(supervisor, lambda d: tile(d, "waiting") == "1" and tile(d, "open") == "2", "the figures")
    assert supervisor.find_element(By.CSS_SELECTOR, '#agents [data-agent-id="alex"]').text.endswith("1/5")
    wait_for(supervisor, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cluster-members tbody tr")) == 3, "the cluster panel")
    slots = [int(t) for t in texts(supervisor, "#cluster-members .slots")]
    assert sum(slots) == 64, slots

    # A new conversation shows up in the figures and the list without a reload.
    fresh = open_conversation(cluster, "v-fresh", "Fresh one", queue="billing")
    wait_for(supervisor, lambda d: tile(d, "waiting") == "2", "the new waiting conversation")
    wait_for(supervisor, lambda d: d.find_element(By.CSS_SELECTOR, f'#ongoing [data-conversation-id="{fresh}"]'), "the new row")
    screenshot(supervisor, "dashboard")

    # Whisper: an internal note that the agent sees live.
    click(supervisor, f'#ongoing [data-conversation-id="{handled}"] .action-whisper', "whisper")
    box = wait_for(supervisor, lambda d: d.find_element(By.CSS_SELECTOR, "#supervise #composer-text"), "the whisper box")
    box.send_keys("Offer the loyalty discount\n")
    wait_for(agent, lambda d: "Offer the loyalty discount" in [t for _, t in console_messages(d)], "the whisper at the agent")
    note = agent.find_element(By.CSS_SELECTOR, "#messages .message--internal .message-text")
    assert note.text == "Offer the loyalty discount"
    screenshot(supervisor, "dashboard-whisper")
    stored = call(cluster.nodes[1].url, "GET", f"/v1/conversations/{handled}/messages", cluster.token).json()["items"]
    assert [(m["text"], m.get("internal", False), m["author"]["id"]) for m in stored][-1] == ("Offer the loyalty discount", True, "sam")

    # Listen is read-only: no composer.
    click(supervisor, f'#ongoing [data-conversation-id="{waiting}"] .action-listen', "listen")
    wait_for(supervisor, lambda d: d.find_element(By.CSS_SELECTOR, "#supervise .listen-notice"), "the listening view")
    assert not supervisor.find_elements(By.CSS_SELECTOR, "#supervise #composer-text")

    # Barge: the supervisor takes the conversation and replies.
    click(supervisor, f'#ongoing [data-conversation-id="{handled}"] .action-barge', "barge")
    wait_for(supervisor, lambda d: d.find_element(By.CSS_SELECTOR, "#supervise #conversation-assignee").text == "Sam", "barge")
    wait_for(agent, lambda d: d.find_element(By.ID, "conversation-assignee").text == "Sam", "the agent to see the takeover")
    screenshot(supervisor, "dashboard-barge")

    # A rating arrives live and the CSAT tile counts it.
    assert call(cluster.nodes[1].url, "PATCH", f"/v1/conversations/{waiting}", cluster.token,
                {"status": "resolved"}).status_code == 200
    rated = call(cluster.nodes[2].url, "POST", f"/v1/conversations/{waiting}/rating", cluster.token, {"score": 5})
    assert rated.status_code == 200, rated.text
    wait_for(supervisor, lambda d: tile(d, "csat") == "100% of 1", "the CSAT tile")
    screenshot(supervisor, "dashboard-csat")
