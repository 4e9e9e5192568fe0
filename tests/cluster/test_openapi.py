"""docs/openapi.yaml describes exactly the routes the server registers."""
import os
import re

import yaml

from harness import ROOT


def routes_in_code():
    routes = set()
    pattern = re.compile(r'\b(router|api|open)\.(get|post|put|patch|delete)\("([^"]+)"')
    server = os.path.join(ROOT, "Sources", "Server")
    for directory, _, names in os.walk(server):
        for name in names:
            if not name.endswith(".swift"):  # the web pages under Server/Web call the API too
                continue
            with open(os.path.join(directory, name)) as handle:
                for scope, method, path in pattern.findall(handle.read()):
                    full = ("/v1" if scope in ("api", "open") else "") + path
                    routes.add((method, re.sub(r":(\w+)", r"{\1}", full)))
    return routes


def routes_in_spec():
    with open(os.path.join(ROOT, "docs", "openapi.yaml")) as handle:
        spec = yaml.safe_load(handle)
    methods = {"get", "post", "put", "patch", "delete"}
    return {(method, path) for path, item in spec["paths"].items() for method in item if method in methods}


def test_spec_and_routes_match():
    code, spec = routes_in_code(), routes_in_spec()
    assert code - spec == set(), f"served but not documented: {sorted(code - spec)}"
    assert spec - code == set(), f"documented but not served: {sorted(spec - code)}"
