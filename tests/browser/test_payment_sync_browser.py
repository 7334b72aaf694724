"""Run Payment Sync from the dialog in Chromium and watch the run complete live (spec E2):
the batch status page's fragment polls by HTMX until the run ends, with no reload."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from browser_support import log_in, watch_until_complete
from playwright.sync_api import expect
from support import qbo_settings

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "payments"))
from payments_support import Books, transfer  # noqa: E402


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0])}


def test_run_payment_sync_from_the_dialog_and_watch_it_complete(
    page, both_connected, start_worker, cw_sandbox
):
    from cwqbo.jobs.worker import run_worker

    app, base = both_connected
    books = Books(app, cw_sandbox[1], transfer(app, lambda: run_worker(app, burst=True), 10002))
    books.pay({"10002": Decimal("100.00")}, day="2026-11-10")

    log_in(page, base, "member@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Run Payment Sync").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Choose the QuickBooks Online configuration")
    dialog.get_by_label("QuickBooks Online configuration").select_option("1")
    dialog.get_by_role("button", name="OK").click()
    watch_until_complete(page, r"/batches/PAY-\d{6}$", start_worker)
    expect(page.locator("tr.tx", has_text="10002")).to_contain_text("In step with QuickBooks")
    expect(page.locator("#section-payments")).to_contain_text("payment 100.00 of 2026-11-10")
    assert books.manage("10002")["paid"] == Decimal("100.00")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
