"""Sync Statistics in Chromium: a chart bar lists its actions; View opens the batch at the row."""

from __future__ import annotations

import re

from browser_support import log_in
from playwright.sync_api import expect
from stats.stats_seed import seed


def test_a_bar_lists_its_actions_and_view_opens_the_batch_at_that_row(live_server, page, make_user):
    app, base = live_server
    make_user("member@example.com", role="member")
    config_ids, actions = seed(app)
    log_in(page, base, "member@example.com")
    page.goto(base + "/stats")

    # Filter by configuration and status: HTMX swaps the chart and table in place.
    page.get_by_label("QuickBooks Online configuration").select_option(label="Acme Canada")
    page.get_by_label("Transaction status").select_option(label="Failed")
    expenses = [
        a
        for a in actions
        if a.config_id == config_ids[1] and a.kind == "expenses" and a.state == "failed"
    ]
    assert expenses, "the seed must hold failed expenses in the second configuration"
    bar = page.locator('svg.stats-chart a.stats-bar[data-type="expenses"]')
    expect(bar).to_have_attribute("aria-label", re.compile(rf"^Expense: {len(expenses)} action"))
    expect(page.locator('tr[data-type="expenses"] td[data-status="total"]')).to_have_text(
        str(len(expenses))
    )
    assert "status=failed" in page.url  # the filters are in the address (hx-push-url)

    bar.click()
    rows = page.locator("tr.stats-action")
    expect(rows).to_have_count(len(expenses))
    expect(page.locator("#stats-actions-heading")).to_contain_text("Expense actions")
    wanted = expenses[-1]
    row = page.locator(f'tr.stats-action[data-tx="{wanted.tx_id}"]')
    expect(row).to_contain_text(wanted.number)

    # A filter change keeps the listed type and swaps the list too.
    page.get_by_label("Transaction status").select_option(label="Any status")
    everything = [a for a in actions if a.config_id == config_ids[1] and a.kind == "expenses"]
    expect(rows).to_have_count(len(everything))

    row.get_by_role("link", name="View").click()
    page.wait_for_url(re.compile(rf"/batches/{wanted.batch}#tx-{wanted.tx_id}$"))
    expect(page.get_by_role("heading", name=f"Batch {wanted.batch}")).to_be_visible()
    target = page.locator(f"#tx-{wanted.tx_id}")
    expect(target).to_contain_text(wanted.number)
    assert (
        page.evaluate("document.querySelector(':target') && document.querySelector(':target').id")
        == f"tx-{wanted.tx_id}"
    )
    expect(target).to_be_in_viewport()
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
