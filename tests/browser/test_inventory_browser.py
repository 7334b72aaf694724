"""A member runs an inventory batch in Chromium and watches it finish live (issue 12): Run New
Batch › Create Inventory Batch, pick item receipts, Create Batch, the status page polls."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from support import PASSWORD, Browserish, connect_manage, connect_qbo
from test_batch_browser import app_config, log_in, start_worker  # noqa: F401 (fixtures)

from tests.batches.inventory_support import bills, set_products_tab

PICKED = ("PO-000812", "PO-000815", "PO-000817")


def test_run_an_inventory_batch_and_watch_it_finish(
    live_server,
    page,
    make_user,
    cw_sandbox,
    qbo_server,
    start_worker,  # noqa: F811
):
    app, base = live_server
    make_user("admin@example.com")
    make_user("member@example.com", role="member")
    connect_manage(app, cw_sandbox[0], cw_sandbox[1])
    admin = Browserish(app.test_client())
    admin.post("/auth/login", {"email": "admin@example.com", "password": PASSWORD})
    connect_qbo(admin)
    set_products_tab(app, qbo_server[0])

    log_in(page, base, "member@example.com")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Create Inventory Batch"
    ).click()
    page.wait_for_url(base + "/batches/new/inventory")
    expect(page.get_by_role("heading", name="Select Inventory")).to_be_visible()
    expect(page.locator("tr.unposted-row")).to_have_count(10)
    expect(page.get_by_role("columnheader", name="Vendor invoice")).to_be_visible()
    for number in PICKED:
        page.get_by_label(f"Select item receipt {number}").check()
    expect(page.locator("#selection-summary")).to_contain_text("3 of 10 item receipts selected.")

    page.get_by_role("button", name="Create Batch").click()
    page.wait_for_url(re.compile(r"/batches/PRC-\d{6}$"))
    status = page.locator("#batch-status")
    expect(status).to_have_text("Waiting to start")
    page.evaluate("window.__marker = 1")  # a reload would wipe it out
    start_worker()
    expect(status).to_have_text("Completed Successfully", timeout=60_000)
    assert page.evaluate("window.__marker") == 1, "followed by polling, never reloaded"
    expect(page.locator("#batch-progress[hx-trigger]")).to_have_count(0)
    expect(page.locator("progress")).to_have_attribute("value", "3")
    for text in ("Item receipt PO-000812", "Bill INV-81277", 'Vendor "Amazon Business"'):
        expect(page.get_by_text(text).first).to_be_visible()
    assert set(bills(qbo_server[0])) == {"INV-81277", "INV-81577", "INV-81777"}
