"""In Chromium: Preview brings its result into view (it lands below a long selection, out of
sight, otherwise)."""

from __future__ import annotations

import pytest
from browser_support import connect_both, log_in, open_new_batch
from playwright.sync_api import expect
from support import qbo_settings

pytestmark = pytest.mark.browser
TOP_OF_RESULT = "document.getElementById('preview-result').getBoundingClientRect().top"


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


@pytest.mark.parametrize("width", [1366, 390])
def test_preview_scrolls_its_result_into_view(live_server, page, make_user, cw_sandbox, width):
    app, base = live_server
    connect_both(app, make_user, cw_sandbox)
    log_in(page, base, "member@example.com")
    open_new_batch(page, base, "Create Invoice Batch", "/batches/new/invoices", "Select Invoices")
    page.set_viewport_size({"width": width, "height": 800})
    expect(page.locator("tr.unposted-row")).to_have_count(60)
    for number in ("10002", "10003"):
        page.get_by_label(f"Select invoice {number}").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-result h2")).to_have_text("Preview")
    # Scrolled to the result's top: its heading at the top of the window, not below it.
    page.wait_for_function(f"() => Math.abs({TOP_OF_RESULT}) < 24", timeout=5000)
    assert page.evaluate("window.scrollY") > 0
    assert page.locator("#preview-result h2").is_visible()
