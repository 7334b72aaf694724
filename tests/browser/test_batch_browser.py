"""A member runs an invoice batch in Chromium and watches it finish, then unbatches one
(spec D2, D6, D8): the status page updates by HTMX polling, with no reload."""

from __future__ import annotations

import re

import pytest
from browser_support import log_in, open_new_batch, watch_until_complete
from playwright.sync_api import expect
from support import qbo_settings

NUMBERS = ("10002", "10003", "10007")


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def test_run_a_batch_watch_it_finish_then_unbatch_one(page, both_connected, start_worker):
    app, base = both_connected

    log_in(page, base, "member@example.com")
    open_new_batch(page, base, "Create Invoice Batch", "/batches/new/invoices", "Select Invoices")
    rows = page.locator("tr.unposted-row")
    expect(rows).to_have_count(60)

    page.evaluate("window.__marker = 1")
    for number in NUMBERS:
        page.get_by_label(f"Select invoice {number}").check()
    summary = page.locator("#selection-summary")
    expect(summary).to_contain_text("3 of 60 invoices selected.")
    # Select all / Deselect all re-render the rows in place.
    page.get_by_role("button", name="Select all", exact=True).click()
    expect(summary).to_contain_text("All 60 matching invoices are selected.")
    page.get_by_role("button", name="Deselect all").click()
    expect(summary).to_contain_text("No invoices selected.")
    for number in NUMBERS:
        page.get_by_label(f"Select invoice {number}").check()
    expect(summary).to_contain_text("3 of 60 invoices selected.")
    assert page.evaluate("window.__marker") == 1

    page.get_by_role("button", name="Create Batch").click()
    watch_until_complete(page, r"/batches/INV-\d{6}$", start_worker, "3")
    identifier = page.url.rsplit("/", 1)[1]
    for number in NUMBERS:
        expect(page.locator("tr.tx", has_text=number)).to_contain_text("Batched")

    page.locator("tr.tx", has_text="10003").get_by_role("link", name="Unbatch…").click()
    expect(page.get_by_role("heading", name="Unbatch invoice 10003")).to_be_visible()
    page.get_by_label(re.compile("Also void the QuickBooks invoice")).check()
    page.get_by_role("button", name="Unbatch invoice 10003").click()
    page.wait_for_url(re.compile(rf"/batches/{identifier}#tx-\d+$"))
    expect(page.get_by_text("Invoice 10003 is unbatched and its QuickBooks Invoice was voided"))
    expect(page.locator("tr.tx", has_text="10003")).to_contain_text("Unbatched")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Create Invoice Batch"
    ).click()
    expect(rows).to_have_count(58)
    expect(page.get_by_label("Select invoice 10003")).to_be_enabled()
    expect(page.get_by_label("Select invoice 10002")).to_have_count(0)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
