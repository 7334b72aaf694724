"""An admin switches option tabs and edits tax mappings in place, in Chromium (spec C7)."""

import re

import pytest
from browser_support import connect_both, log_in
from playwright.sync_api import expect
from support import qbo_settings


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def test_tabs_and_tax_mapping_rows_without_page_loads(live_server, page, make_user, cw_sandbox):
    app, base = live_server
    connect_both(app, make_user, cw_sandbox, member=False)

    log_in(page, base, "admin@example.com")
    page.goto(base + "/settings/quickbooks/1/company")
    expect(page.get_by_role("heading", name="Company")).to_be_visible()
    # A marker that a full page load would wipe out.
    page.evaluate("window.stillTheSamePage = true")

    tabs = page.get_by_role("navigation", name="Configuration tabs")
    tabs.get_by_role("link", name="Sales").click()
    expect(page.get_by_role("heading", name="Sales")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/quickbooks/1/sales$"))
    tabs.get_by_role("link", name="Taxes").click()
    expect(page.get_by_role("heading", name="Taxes")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/settings/quickbooks/1/taxes$"))
    expect(page.get_by_text("Not used for this company: US QuickBooks Online")).to_be_visible()

    rows = page.locator("tr.mapping-row")
    expect(rows).to_have_count(0)
    add = page.get_by_role("button", name="Add mapping")
    for count, (manage, qbo) in enumerate([("FL-HILLS", "FL-HILLS"), ("TX", "FL-HILLS")], 1):
        add.click()
        expect(rows).to_have_count(count)
        row = rows.nth(count - 1)
        row.get_by_label("Manage tax code").select_option(label=manage)
        row.get_by_label("QuickBooks Online tax code").select_option(label=qbo)
    add.click()
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_label("Manage tax code").select_option(label="EXEMPT")
    rows.nth(2).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Exempt sales tax code").select_option(label="EXEMPT")

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Taxes options saved.")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")

    page.reload()
    expect(page.get_by_role("heading", name="Taxes")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === undefined")
    expect(rows).to_have_count(2)
    picked = [
        (
            row.get_by_label("Manage tax code").evaluate("s => s.selectedOptions[0].text"),
            row.get_by_label("QuickBooks Online tax code").evaluate(
                "s => s.selectedOptions[0].text"
            ),
        )
        for row in rows.all()
    ]
    assert picked == [("FL-HILLS", "FL-HILLS"), ("TX", "FL-HILLS")]
    expect(page.get_by_label("Exempt sales tax code")).to_have_value("51")

    # A refused save swaps the errors in beside the row, still without a page load.
    page.evaluate("window.stillTheSamePage = true")
    add.click()
    rows.nth(2).get_by_label("Manage tax code").select_option(label="TX")
    rows.nth(2).get_by_label("QuickBooks Online tax code").select_option(label="TX")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("TX is mapped already (row 2)")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
