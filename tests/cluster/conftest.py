import os

import pytest

from harness import BINARY, Cluster


def pytest_configure(config):
    if not os.path.exists(BINARY):
        raise pytest.UsageError(f"{BINARY} is missing: build it first (swift build)")


@pytest.fixture
def cluster_factory(request):
    made = []

    def make(**kwargs):
        cluster = Cluster(**kwargs)
        made.append(cluster)
        return cluster

    yield make
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    for cluster in made:
        if failed:
            print(f"logs kept in {cluster.directory}")
        cluster.close(keep_on_failure=failed)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)
