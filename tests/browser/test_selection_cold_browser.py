"""A cold selection page in Chromium: the first 100 rows at once, the rest loaded by HTMX.

Manage answers every call 150 ms late (the sandbox's ``latency_ms``). The page shows the
first page of rows with its boxes and the list buttons disabled and "Loading the rest…";
HTMX then fetches the whole list (with the CSRF header from ``<body>``) and swaps the rows
area in place, no reload: the boxes work, "Load 100 more" and "Select all" count every row.
"""

from __future__ import annotations

import time

import pytest
from browser_support import log_in
from playwright.sync_api import expect
from support import qbo_settings

from cwqbo.sandbox.connectwise import Faults
from cwqbo.sandbox.connectwise.scale import scaled_dataset

COUNT = 1200


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def test_the_first_rows_show_at_once_and_the_rest_arrive_in_place(page, both_connected, cw_sandbox):
    _app, base = both_connected
    cw_sandbox[1].reset(scaled_dataset(COUNT))
    log_in(page, base, "member@example.com")
    cw_sandbox[2].configure(Faults(latency_ms=150))

    held = []  # the HTMX request for the rest, held until the first rows are checked
    page.route("**/batches/new/invoices/rows", lambda route: held.append(route))
    page.goto(base + "/batches/new/invoices")
    rows = page.locator("tr.unposted-row")
    expect(rows).to_have_count(100)
    expect(page.locator("#selection-summary")).to_contain_text("1,200 unposted")
    expect(page.get_by_text("Loading the rest…")).to_be_visible()
    expect(page.get_by_label("Select invoice 200001")).to_be_disabled()
    expect(page.get_by_role("button", name="Select all", exact=True)).to_be_disabled()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:  # Playwright runs the handler meanwhile
        page.wait_for_timeout(20)
    assert held, "the page asked for the rest by itself"
    page.evaluate("window.__marker = 1")  # a reload would wipe it out
    held[0].continue_()
    page.unroute("**/batches/new/invoices/rows")

    # The rest arrives by itself and replaces the rows area.
    load_more = page.get_by_role("button", name="Load 100 more")
    expect(load_more).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Loading the rest…")).to_have_count(0)
    expect(page.get_by_text("100 of 1,200 shown")).to_be_visible()
    first = page.get_by_label("Select invoice 200001")
    expect(first).to_be_enabled()
    first.check()
    expect(page.locator("#selection-summary")).to_contain_text("1 of 1,200 invoices selected.")
    load_more.click()
    expect(rows).to_have_count(200)
    page.get_by_role("button", name="Select all", exact=True).click()
    expect(page.locator("#selection-summary")).to_contain_text(
        "All 1,200 matching invoices are selected."
    )
    assert page.evaluate("window.__marker") == 1
