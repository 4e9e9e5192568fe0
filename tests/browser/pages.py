"""What the browser tests do on the pages and through the API, in the words of the pages."""
import time

import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery"


def call(base, method, path, token, body=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    reply = requests.request(method, base + path, json=body, headers=headers, timeout=10)
    return reply


def create_staff(cluster, staff_id, role="agent", teams=()):
    reply = call(cluster.nodes[1].url, "POST", "/v1/agents", cluster.token, {
        "id": staff_id, "email": f"{staff_id}@example.com", "name": staff_id.title(), "role": role,
        "password": PASSWORD, "languages": ["en"], "teamIDs": list(teams)})
    assert reply.status_code == 201, reply.text
    return reply.json()


def wait_for(driver, probe, what, timeout=15):
    """Waits until probe(driver) is truthy, ignoring elements replaced by a live re-render."""
    def attempt(_):
        try:
            return probe(driver)
        except StaleElementReferenceException:
            return False
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(attempt, f"timed out waiting for {what}")


def click(driver, selector, what):
    """Clicks an element that a live re-render may replace at any moment."""
    def attempt(d):
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True
    wait_for(driver, attempt, what)


def texts(driver_or_root, selector):
    """Text of each element matching the selector; retried when a live re-render replaced them."""
    for _ in range(20):
        try:
            return [element.text for element in driver_or_root.find_elements(By.CSS_SELECTOR, selector)]
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{selector} kept changing")


def sign_in(driver, base, email, page="/console/"):
    driver.get(base + page)
    wait_for(driver, lambda d: d.find_element(By.ID, "login-email"), "the sign-in form")
    driver.find_element(By.ID, "login-email").send_keys(email)
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD + Keys.ENTER)
    wait_for(driver, lambda d: d.find_element(By.ID, "app").is_displayed(), "the page")
    # The page is ready once its live connection is up (the banner says "Connecting…" until then).
    wait_for(driver, console_is_live, "the live connection")


def console_is_live(driver):
    """True when the page's connection banner is hidden (pages without live updates have none)."""
    banners = driver.find_elements(By.ID, "connection")
    return not banners or not banners[0].is_displayed()


def open_in_inbox(driver, conversation_id, view="all"):
    driver.find_element(By.CSS_SELECTOR, f'.inbox-views [data-view="{view}"]').click()
    selector = f'#inbox-list [data-conversation-id="{conversation_id}"] button'
    click(driver, selector, "the conversation in the inbox")
    wait_for(driver, lambda d: d.find_element(By.ID, "composer-text"), "the conversation view")


def console_messages(driver):
    """Confirmed messages shown in the open conversation, in order: [(id, text)]."""
    for _ in range(20):
        try:
            return [(element.get_attribute("data-message-id"), element.find_element(By.CLASS_NAME, "message-text").text)
                    for element in driver.find_elements(By.CSS_SELECTOR, "#messages li[data-message-id]")]
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError("messages kept changing")


def type_reply(driver, text, note=False):
    driver.find_element(By.ID, "composer-note" if note else "composer-reply").click()
    box = driver.find_element(By.ID, "composer-text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
