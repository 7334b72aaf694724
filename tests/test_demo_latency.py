"""The demo's simulators take as long as a cloud API (DEMO_LATENCY_MS, default 150 ms per
call), so a newcomer sees a batch progress live; a bad setting is refused naming the fix."""

from __future__ import annotations

import time

import pytest
import requests
from support import free_port

from cwqbo.demo.command import DemoSettings, create_sandboxes, serve
from cwqbo.demo.seed import DemoError


def settings(**env: str) -> DemoSettings:
    return DemoSettings.from_env({"DEMO_INSTANCE": "/tmp/cwqbo-demo-unused", **env})


def test_latency_defaults_to_150_ms_and_can_be_turned_off():
    assert settings().latency_ms == 150
    assert settings(DEMO_LATENCY_MS="0").latency_ms == 0
    assert settings(DEMO_LATENCY_MS=" 40 ").latency_ms == 40


@pytest.mark.parametrize("raw", ["fast", "-5", "1.5", "99999"])
def test_a_bad_latency_is_refused_naming_the_setting(raw):
    with pytest.raises(DemoError, match=r"DEMO_LATENCY_MS must be a whole number .* got"):
        settings(DEMO_LATENCY_MS=raw)


def test_both_sandboxes_of_the_demo_add_the_latency_to_real_calls():
    demo = settings(DEMO_LATENCY_MS="150")
    manage_app, qbo_app = create_sandboxes(demo)
    servers = [serve(manage_app, free_port(), "manage"), serve(qbo_app, free_port(), "qbo")]
    try:
        manage, qbo = (f"http://127.0.0.1:{s.server_port}" for s in servers)
        for base in (manage, qbo):
            assert requests.get(f"{base}/_sandbox/faults", timeout=5).json()["latency_ms"] == 150
        company = manage_app.extensions["cw_sandbox"]["state"].company_info["CompanyID"]
        started = time.monotonic()
        answer = requests.get(f"{manage}/login/companyinfo/{company}", timeout=5)
        took = time.monotonic() - started
        assert answer.status_code == 200 and took >= 0.15, took
        quick_app, _ = create_sandboxes(settings(DEMO_LATENCY_MS="0"))
        assert quick_app.extensions["cw_sandbox"]["faults"].faults.latency_ms == 0
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
