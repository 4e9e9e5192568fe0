"""Fixtures for the browser tests: real nodes (tests/cluster/harness.py), HAProxy, a page on
another origin that embeds the widget, and headless Chromium driven by Selenium.

Nodes serve the pages from the source tree (`--web-dir`), so the tests exercise the pages as
they are now, not the copy bundled at the last build. Every process and server a test starts
is stopped in the fixture teardown, even when the test fails."""
import os
import signal
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cluster"))

from harness import BINARY, NETWORK, ROOT, Cluster, LoadBalancer  # noqa: E402

WEB_DIR = os.path.join(ROOT, "Sources", "Server", "Web")
SCREENSHOTS = os.path.join(os.path.dirname(__file__), "screenshots")
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")


def pytest_configure(config):
    if not os.path.exists(BINARY):
        raise pytest.UsageError(f"{BINARY} is missing: build it first (swift build)")
    os.makedirs(SCREENSHOTS, exist_ok=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def start_cluster(cluster):
    """Like Cluster.start, with the pages served from the source tree."""
    spec = ",".join(f"{n.id}={n.peer}" for n in cluster.nodes.values())
    for node in cluster.nodes.values():
        node.start("--initial-cluster", spec, "--web-dir", WEB_DIR)
    cluster.wait_until(lambda: all(n.ready() for n in cluster.nodes.values()), "all nodes ready")
    return cluster


class PinnableBalancer(LoadBalancer):
    """HAProxy on 127.0.0.10:18090 that can first send every client to one node, then open to all.

    The browser tests kill "the agent's node": with the balancer pinned while the console
    connects, that node is known. Opening to all is a graceful reload: the old HAProxy process
    keeps the connections it has (the console's WebSocket to the pinned node) and exits when
    they end; `stop` ends it too if it is still there."""

    def __init__(self, cluster):
        super().__init__(cluster)
        self.retired_pids = []

    def pid_file(self, node_id):
        return os.path.join(self.cluster.directory, f"n{node_id}.pid")

    def pin(self, node_id):
        for node in self.cluster.nodes.values():
            if node.id != node_id and os.path.exists(self.pid_file(node.id)):
                os.remove(self.pid_file(node.id))
        return self.start()

    def open_to_all(self):
        with open(os.path.join(self.cluster.directory, "haproxy.pid")) as handle:
            self.retired_pids.append(int(handle.read().strip()))
        for node in self.cluster.nodes.values():
            with open(self.pid_file(node.id), "w") as handle:
                handle.write(str(node.process.pid))
        return self.start()

    def stop(self):
        super().stop()
        for pid in self.retired_pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.fixture
def cluster(request):
    made = Cluster(size=3)
    balancer = None
    try:
        start_cluster(made)
        balancer = PinnableBalancer(made)
        made.balancer = balancer
        yield made
    finally:
        failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        if balancer:
            balancer.stop()
        if failed:
            print(f"logs kept in {made.directory}")
        made.close(keep_on_failure=failed)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def shop_site(tmp_path):
    """A customer's web site on another origin (127.0.0.20:18100) that embeds the widget."""
    server = ThreadingHTTPServer((f"{NETWORK}.20", 18100), partial(_QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(name, html):
        (tmp_path / name).write_text(html)
        return f"http://{NETWORK}.20:18100/{name}"

    try:
        yield publish
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browsers(request):
    """Opens headless Chromium windows on demand; all of them are quit at the end."""
    opened = []

    def open_browser(width=1280, height=860):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", "--disable-extensions", "--no-first-run",
                         "--disable-background-networking"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        opened.append(driver)
        return driver

    try:
        yield open_browser
    finally:
        failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        for index, driver in enumerate(opened):
            if failed:
                screenshot(driver, f"{request.node.name}-failure-{index}")
                for entry in driver.get_log("browser"):
                    print(f"browser {index}: {entry['level']} {entry['message']}")
            driver.quit()


def screenshot(driver, name):
    """Saves a screenshot for review in tests/browser/screenshots/."""
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))
