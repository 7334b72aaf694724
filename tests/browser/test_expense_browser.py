"""A member runs an expense batch in Chromium and watches it finish live (issue 12): Run New
Batch › Create Expense Batch, pick expenses, Create Batch, the status page polls."""

from __future__ import annotations

from browser_support import (
    log_in,
    open_new_batch,
    open_sections,
    pick_and_create,
    watch_until_complete,
)
from playwright.sync_api import expect
from support import QBO_US_REALM
from test_batch_browser import app_config  # noqa: F401 (fixture)

PICKED = ("55101", "55102", "55103")  # two Bills (jdoe, zadmin) and a Purchase
PAYERS = {"cash": "Petty Cash", "check": "Checking", "credit_card": "Company Visa"}


def set_expenses_tab(app, qbo_state) -> None:
    """Give configuration 1 the accounts that pay expenses, and append account names."""
    from cwqbo.extensions import db
    from cwqbo.models import ConfigurationOptions

    rows = qbo_state.companies[QBO_US_REALM].rows
    accounts = {a["Name"]: a["Id"] for a in rows["Account"].values()}
    with app.app_context():
        options = db.session.get(ConfigurationOptions, 1) or ConfigurationOptions(config_id=1)
        for option, name in PAYERS.items():
            setattr(options, f"{option}_account_id", accounts[name])
            setattr(options, f"{option}_account_name", name)
        options.append_account_name = True
        db.session.add(options)
        db.session.commit()


def test_run_an_expense_batch_and_watch_it_finish(page, both_connected, qbo_server, start_worker):
    app, base = both_connected
    set_expenses_tab(app, qbo_server[1])

    log_in(page, base, "member@example.com")
    open_new_batch(page, base, "Create Expense Batch", "/batches/new/expenses", "Select Expenses")
    expect(page.locator("tr.unposted-row")).to_have_count(20)
    for heading in ("Member", "Type", "Classification", "Billable", "Payment method"):
        expect(page.get_by_role("columnheader", name=heading, exact=True)).to_be_visible()
    pick_and_create(page, "expense", PICKED, "3 of 20 expenses selected.")
    watch_until_complete(page, r"/batches/EXP-\d{6}$", start_worker, "3")
    open_sections(page, "validation", "vendors")  # collapsed to their counts (issue 17)
    for text in ("Expense 55102 for Zach Admin", 'Vendor "Jane Doe (EMP-JDOE)"', "Purchase E"):
        expect(page.get_by_text(text).first).to_be_visible()
    rows = qbo_server[1].companies[QBO_US_REALM].rows
    assert len(rows["Bill"]) == 2 and len(rows["Purchase"]) == 1
