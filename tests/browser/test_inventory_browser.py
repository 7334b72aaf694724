"""A member runs an inventory batch in Chromium and watches it finish live (issue 12): Run New
Batch › Create Inventory Batch, pick item receipts, Create Batch, the status page polls."""

from __future__ import annotations

from browser_support import (
    log_in,
    open_new_batch,
    open_sections,
    pick_and_create,
    watch_until_complete,
)
from playwright.sync_api import expect
from test_batch_browser import app_config  # noqa: F401 (fixture)

from tests.batches.inventory_support import bills, set_products_tab

PICKED = ("PO-000812", "PO-000815", "PO-000817")


def test_run_an_inventory_batch_and_watch_it_finish(page, both_connected, qbo_server, start_worker):
    app, base = both_connected
    set_products_tab(app, qbo_server[0])

    log_in(page, base, "member@example.com")
    open_new_batch(
        page, base, "Create Inventory Batch", "/batches/new/inventory", "Select Inventory"
    )
    expect(page.locator("tr.unposted-row")).to_have_count(10)
    expect(page.get_by_role("columnheader", name="Vendor invoice")).to_be_visible()
    pick_and_create(page, "item receipt", PICKED, "3 of 10 item receipts selected.")
    watch_until_complete(page, r"/batches/PRC-\d{6}$", start_worker, "3")
    open_sections(page, "validation", "vendors")  # collapsed to their counts (issue 17)
    for text in ("Item receipt PO-000812", "Bill INV-81277", 'Vendor "Amazon Business"'):
        expect(page.get_by_text(text).first).to_be_visible()
    assert set(bills(qbo_server[0])) == {"INV-81277", "INV-81577", "INV-81777"}
