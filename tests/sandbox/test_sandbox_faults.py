"""One fault/latency/rate-limit mechanism: same knobs, endpoint and env vars on both sandboxes."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from cwqbo.sandbox import connectwise, quickbooks
from cwqbo.sandbox.faults import Faults

US_REALM = "9341453000000001"


@dataclass
class Running:
    """One sandbox over HTTP, reached through a cheap read-only API call."""

    kind: str
    base_url: str
    server: Any
    call_path: str
    headers: dict[str, str]

    def call(self, path: str | None = None) -> requests.Response:
        return requests.get(
            f"{self.base_url}{path or self.call_path}", headers=self.headers, timeout=10
        )

    def faults(self, body: Any = None) -> requests.Response:
        if body is None:
            return requests.get(f"{self.base_url}/_sandbox/faults", timeout=5)
        return requests.post(f"{self.base_url}/_sandbox/faults", json=body, timeout=5)

    def throttle_mark(self, resp: requests.Response) -> str:
        """The sandbox's own way of saying "too many requests"."""
        body = resp.json()
        return body["Fault"]["Error"][0]["code"] if self.kind == "qbo" else body["code"]


def start(kind: str, **knobs: Any) -> Running:
    if kind == "manage":
        base, server, state = connectwise.serve_in_thread(**knobs)
        creds = state.credentials
        user = f"{creds['companyId']}+{creds['publicKey']}:{creds['privateKey']}"
        headers = {
            "Authorization": "Basic " + base64.b64encode(user.encode()).decode(),
            "clientId": "cwqbo-demo",
        }
        return Running(kind, base, server, "/v4_6_release/apis/3.0/system/info", headers)
    base, server, state = quickbooks.serve_in_thread(**knobs)
    headers = {"Authorization": f"Bearer {state.add_token(US_REALM)}", "Accept": "application/json"}
    return Running(kind, base, server, f"/v3/company/{US_REALM}/preferences", headers)


DENY = {"manage": "/system/members", "qbo": "/invoice"}
DENIED_CALL = {
    "manage": "/v4_6_release/apis/3.0/system/members",
    "qbo": f"/v3/company/{US_REALM}/invoice/100",
}


@pytest.fixture(params=["manage", "qbo"])
def sandbox(request):
    running: list[Running] = []

    def make(**knobs: Any) -> Running:
        running.append(start(request.param, **knobs))
        return running[-1]

    yield make
    for r in running:
        r.server.shutdown()
        r.server.server_close()


def test_same_control_endpoint_and_body(sandbox):
    sb = sandbox()
    assert sb.faults().json() == Faults().as_dict()
    assert sb.call().status_code == 200
    shown = sb.faults({"script": ["429", "500", "ok"], "retry_after": 2.5}).json()
    assert shown["script"] == ["429", "500", "ok"] and shown["retry_after"] == 2.5
    first = sb.call()
    assert first.status_code == 429 and first.headers["Retry-After"] == "2.5"
    assert sb.call().status_code == 500
    assert sb.call().status_code == 200
    counts = requests.get(f"{sb.base_url}/_sandbox/state", timeout=5).json()["faultCounts"]
    assert counts == {"429": 1, "500": 1, "ok": 1}
    assert sb.faults({}).json() == Faults().as_dict()  # a POST replaces the whole set

    unknown = sb.faults({"latency": 1})
    assert (
        unknown.status_code == 400 and "unknown sandbox knob 'latency'" in unknown.json()["error"]
    )
    bad = sb.faults({"rate_500": "often"})
    assert bad.status_code == 400 and "'rate_500' needs a float" in bad.json()["error"]
    assert sb.faults({"script": ["boom"]}).status_code == 400
    reset = requests.post(f"{sb.base_url}/_sandbox/reset", json={"faults": {"nope": 1}}, timeout=5)
    assert reset.status_code == 400 and "'nope'" in reset.json()["error"]
    sb.faults({"seed": 3})
    assert requests.post(f"{sb.base_url}/_sandbox/reset", timeout=5).ok
    assert sb.faults().json()["seed"] == 3  # a reset keeps the faults unless it names them
    assert requests.post(f"{sb.base_url}/_sandbox/reset", json={"faults": {}}, timeout=5).ok
    assert sb.faults().json() == Faults().as_dict()


def test_latency_and_deny(sandbox):
    sb = sandbox(latency_ms=150)
    started = time.monotonic()
    assert sb.call().status_code == 200
    assert time.monotonic() - started >= 0.15
    sb.faults({"deny": [DENY[sb.kind]]})
    assert sb.call(DENIED_CALL[sb.kind]).status_code == 403
    assert sb.call().status_code == 200


def test_rate_limit_answers_429_with_retry_after(sandbox):
    sb = sandbox(rate_limit=3, rate_limit_window=1.0)
    assert [sb.call().status_code for _ in range(3)] == [200, 200, 200]
    limited = sb.call()
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert sb.throttle_mark(limited) == ("3001" if sb.kind == "qbo" else "TooManyRequests")
    deadline = time.monotonic() + 5  # the window slides: a slot frees within a second
    while sb.call().status_code == 429:
        assert time.monotonic() < deadline, "rate limit never released"
        time.sleep(0.05)
    counts = requests.get(f"{sb.base_url}/_sandbox/state", timeout=5).json()["faultCounts"]
    assert counts["rate_limited"] >= 1


@pytest.mark.parametrize("kind, prefix", [("manage", "CW_SANDBOX_"), ("qbo", "QBO_SANDBOX_")])
def test_environment_variables(monkeypatch, kind, prefix):
    monkeypatch.setenv("SANDBOX_SCRIPT", "429,ok")
    monkeypatch.setenv("SANDBOX_RETRY_AFTER", "3")
    monkeypatch.setenv(f"{prefix}RETRY_AFTER", "7")  # the per-sandbox name wins
    monkeypatch.setenv("SANDBOX_DENY", DENY[kind])
    sb = start(kind)
    try:
        assert sb.faults().json()["deny"] == [DENY[kind]]
        first = sb.call()
        assert first.status_code == 429 and first.headers["Retry-After"] == "7"
        assert sb.call().status_code == 200
    finally:
        sb.server.shutdown()
        sb.server.server_close()
    monkeypatch.setenv(f"{prefix}RATE_429", "lots")
    with pytest.raises(ValueError, match="'rate_429' needs a float"):
        start(kind)


def test_knob_arguments_are_checked():
    with pytest.raises(ValueError, match="unknown sandbox knob 'latency'"):
        connectwise.create_sandbox_app(latency=1)
    with pytest.raises(TypeError, match="unknown sandbox knobs: \\['latency'\\]"):
        quickbooks.create_sandbox_app(latency=1)
    app = quickbooks.create_sandbox_app(latency_ms=5, throttle_per_minute=7)
    state = app.config["QBO_SANDBOX_STATE"]
    assert state.faults.faults.latency_ms == 5 and state.knobs["throttle_per_minute"] == 7
    client = app.test_client()
    refused = client.post("/_sandbox/knobs", json={"rate_500": 1})
    assert refused.status_code == 400 and "/_sandbox/faults" in refused.get_json()["error"]
