"""An admin sees a connection's expiries and reconnects it ahead of its end, in Chromium,
through the QBO sandbox's consent page on an origin (and site) of its own (spec J6)."""

from __future__ import annotations

import re

import pytest
from browser_support import log_in
from playwright.sync_api import expect
from support import qbo_settings

DAY = 86400


@pytest.fixture
def consent_base(qbo_server) -> str:
    return qbo_server[0].replace("127.0.0.1", "localhost")


@pytest.fixture
def app_config(app_config, consent_base):
    return {**app_config, **qbo_settings(consent_base)}


def detail(page, term: str):
    return page.locator(f'dl.details dt:text-is("{term}") + dd')


def test_reconnect_ahead_of_the_end_starts_a_new_five_years(
    live_server, page, make_user, qbo_server, consent_base
):
    app, base = live_server
    state = qbo_server[1]
    make_user("admin@example.com")
    log_in(page, base)

    state.set_knobs(hard_ttl=20 * DAY)  # an authorization given almost five years ago
    page.goto(base + "/settings/quickbooks/1/connection")
    page.get_by_role("button", name="Connect to QuickBooks").click()
    page.get_by_label("Company").select_option(label="cwqbo Demo MSP")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(base + "/settings/quickbooks/1/connection")
    expect(page.get_by_text("This connection stops working in 20 days")).to_be_visible()
    expect(detail(page, "Intuit's hard expiry")).to_contain_text(" UTC")

    page.goto(base + "/")
    card = page.locator("#connection-health")
    expect(card.get_by_text("in 20 days")).to_be_visible()
    card.get_by_role("link", name="Default").click()

    state.set_knobs(hard_ttl=5 * 365 * DAY)  # Intuit's real limit for a new authorization
    page.get_by_role("button", name="Reconnect to QuickBooks").click()
    expect(page).to_have_url(re.compile("^" + re.escape(consent_base + "/connect/oauth2?")))
    page.get_by_label("Company").select_option(label="cwqbo Demo MSP")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(base + "/settings/quickbooks/1/connection")
    expect(page.get_by_text("Default is connected to QuickBooks Online company")).to_be_visible()
    expect(page.get_by_text("This connection stops working")).to_have_count(0)
    hard = detail(page, "Intuit's hard expiry").inner_text()
    assert int(hard[:4]) >= int(page.evaluate("new Date().getUTCFullYear()")) + 4, hard
    assert state.oauth.counts["exchanges"] == 2
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
