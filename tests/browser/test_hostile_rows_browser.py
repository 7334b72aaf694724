"""A bad Manage row in Chromium (issue 11 §3): shown unreadable, not selectable, the rest work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from support import PASSWORD, Browserish, connect_manage, connect_qbo, qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")


def test_a_bad_row_is_shown_unreadable_and_the_others_can_be_batched(
    live_server, page, make_user, cw_sandbox
):
    app, base = live_server
    make_user("admin@example.com")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    state = cw_sandbox[1]
    invoices = sorted(state.unposted("invoices"), key=lambda r: r["id"])
    bad, evil = invoices[1], invoices[2]
    with state.lock:
        state.docs["invoices"][bad["id"]]["record"]["total"] = "abc"
        state.docs["invoices"][evil["id"]]["record"]["company"] = {
            "id": 250,
            "name": '<img src=x onerror="window.__xss=1">Evil',
        }

    log_in(page, base, "admin@example.com")
    page.goto(base + "/batches/new/invoices")
    expect(page.get_by_role("heading", name="Select Invoices")).to_be_visible()
    expect(page.locator("tr.unposted-row")).to_have_count(60)

    row = page.locator(f"#row-{bad['id']}")
    expect(row).to_have_class(re.compile(r"\bunreadable\b"))
    expect(row).to_contain_text('total is "abc", not a number')
    expect(row).to_contain_text("fix the invoice in ConnectWise Manage")
    expect(row.locator("input[type=checkbox]")).to_be_disabled()
    expect(page.get_by_label(f"Select invoice {bad['invoiceNumber']}")).to_have_count(0)
    summary = page.locator("#selection-summary")
    expect(summary).to_contain_text("1 unreadable")

    # The HTML in a name is text, not markup.
    expect(page.locator(f"#row-{evil['id']}")).to_contain_text('<img src=x onerror="window')
    assert page.evaluate("window.__xss") is None

    page.get_by_role("button", name="Select all", exact=True).click()
    expect(summary).to_contain_text("All 59 matching invoices are selected.")
    expect(row.locator("input[type=checkbox]")).not_to_be_checked()
    page.get_by_label(f"Select invoice {invoices[0]['invoiceNumber']}").uncheck()
    expect(summary).to_contain_text("58 of 59 invoices selected.")

    page.get_by_role("button", name="Create Batch").click()
    page.wait_for_url(re.compile(r"/batches/INV-\d{6}$"))
    expect(page.get_by_text("58 invoices to transfer")).to_be_visible()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
