"""HTTP calls to the cluster, each classified as Jepsen does: ok, fail (certainly not applied)
or indeterminate (may have been applied, may still be)."""
import dataclasses

import requests
import urllib3

OK, FAIL, INDETERMINATE = "ok", "fail", "indeterminate"

# Error codes with which a node says the request was not applied (docs/openapi.yaml and
# Sources/Server/APIError.swift): no leader to send it to, replaced by a new leader before it
# committed, refused by Raft, or turned away because too many requests wait. `timeout` and
# `stopping` leave the outcome open.
NOT_APPLIED_CODES = {"no_leader", "not_leader", "dropped", "overloaded", "unavailable"}


@dataclasses.dataclass
class Outcome:
    kind: str
    status: int = None
    code: str = None
    body: object = None
    error: str = None
    retry_after: float = None

    @property
    def ok(self):
        return self.kind == OK

    def describe(self):
        if self.status is not None:
            return f"{self.status} {self.code or ''}".strip()
        return self.error or self.kind


def classify_response(response):
    body = parse_json(response)
    code = error_code(body)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if 200 <= response.status_code < 300:
        kind = OK
    elif 400 <= response.status_code < 500:
        kind = FAIL
    elif code in NOT_APPLIED_CODES:
        kind = FAIL
    elif response.status_code == 503 and body is None:
        # HAProxy's own 503: no server was up, so the request went nowhere.
        kind = FAIL
    else:
        kind = INDETERMINATE
    return Outcome(kind, response.status_code, code, body, None, retry_after)


def classify_exception(error):
    """Refused or timed-out connects never reached a node; anything after that might have."""
    if isinstance(error, requests.ConnectTimeout):
        return Outcome(FAIL, error="connect timeout")
    if isinstance(error, requests.ConnectionError) and never_connected(error):
        return Outcome(FAIL, error="connection refused")
    if isinstance(error, requests.Timeout):
        return Outcome(INDETERMINATE, error="timeout")
    return Outcome(INDETERMINATE, error=type(error).__name__)


def never_connected(error):
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


def parse_json(response):
    try:
        return response.json()
    except ValueError:
        return None


def error_code(body):
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("code")
    return None


def parse_retry_after(text):
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


class Client:
    """One session (one keep-alive connection per target) for one workload thread."""

    def __init__(self, token, timeout):
        self.session = requests.Session()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.timeout = timeout

    def call(self, method, url, json_body=None, headers=None, timeout=None):
        all_headers = dict(self.headers, **(headers or {}))
        limit = timeout or self.timeout
        try:
            response = self.session.request(method, url, json=json_body, headers=all_headers,
                                            timeout=(min(0.5, limit), limit))
        except requests.RequestException as error:
            return classify_exception(error)
        return classify_response(response)

    def close(self):
        self.session.close()
