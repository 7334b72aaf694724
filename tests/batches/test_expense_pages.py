"""Create Expense Batch through the pages: list, preview, submit, held rows, mark exported."""

from __future__ import annotations

import re

from pages_support import HX, row_ids, text
from test_expense_transfer import ROWS, qbo_rows, sample, set_options, unposted

SELECT = "/batches/new/expenses"
MARK = "/batches/mark-exported/expenses"


def picked(ids: list[str], **extra) -> dict:
    return {
        "mode": "transfer",
        "config_id": "1",
        "location_id": "",
        "invoice_detail": "summary",
        "ids": ids,
        "shown": ids,
        **extra,
    }


def test_the_page_lists_unposted_expenses_with_their_own_columns(app, connected, manage):
    html = connected.get(SELECT).get_data(as_text=True)
    assert row_ids(html) == ROWS
    page = text(html)
    for heading in ("Member", "Type", "Classification", "Billable", "Payment method", "Total"):
        assert f" {heading} " in page, heading
    row = re.search(r'<tr id="row-55101".*?</tr>', html, re.S).group(0)
    cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    record = sample(manage[1])["55101"]["record"]
    assert cells[1:8] == [
        "55101",
        record["dateExpense"][:10],
        record["member"]["name"],
        record["expenseType"]["name"],
        "Reimbursable",
        "Yes" if record["billableAmount"] > 0 else "No",
        record["paymentMethod"]["name"],
    ]
    nav = connected.get("/").get_data(as_text=True)
    assert "Create Expense Batch" in nav and 'href="/batches/new/expenses"' in nav


def test_preview_shows_bills_purchases_vendors_and_problems_without_writing(
    app, connected, manage, qbo_server
):
    set_options(app, qbo_server[1])
    # jdoe (name held by a QBO employee), zadmin's Bill, a Purchase, tnguyen (no Vendor Nbr)
    chosen = ["55101", "55102", "55103", "55105"]
    response = connected.post(f"{SELECT}/preview", picked(chosen), headers=HX)
    assert response.status_code == 200, text(response.get_data(as_text=True))[:800]
    page = text(response.get_data(as_text=True))
    assert "Expense 55102: Bill for Zach Admin" in page
    assert re.search(r"Expense 55103: Purchase for \S", page)
    assert "Created in QuickBooks Online first Vendor Zach Admin" in page
    assert "Vendor Nbr" in page and "System › Members" in page
    assert "already a QBO employee" in page  # Jane Doe without Append account name
    assert qbo_rows(qbo_server[1], "Bill") == [] and qbo_rows(qbo_server[1], "Purchase") == []
    assert unposted(manage[1]) == set(ROWS)


def test_submit_from_the_page_runs_the_batch_and_held_rows_say_which_batch(
    app, connected, manage, qbo_server, run_jobs
):
    set_options(app, qbo_server[1], append=True)
    response = connected.post(SELECT, picked(["55101", "55103"]))
    assert response.status_code == 302, text(response.get_data(as_text=True))[:1500]
    identifier = re.fullmatch(r"/batches/(EXP-\d{6})", response.headers["Location"]).group(1)
    html = connected.get(SELECT).get_data(as_text=True)
    row = re.search(r'<tr id="row-55101".*?</tr>', html, re.S).group(0)
    assert f"In batch {identifier}" in text(row) and "disabled" in row

    run_jobs()
    status = text(connected.get(f"/batches/{identifier}").get_data(as_text=True))
    assert "Expenses" in status and "Vendors" in status
    # The sections are collapsed to their counts; their rows load when opened (issue 17).
    validation = connected.get(f"/batches/{identifier}/sections/validation", headers=HX)
    assert "Expense 55101 for Jane Doe" in text(validation.get_data(as_text=True))
    assert "Completed Successfully" in status
    assert len(qbo_rows(qbo_server[1], "Bill")) == 1
    assert len(qbo_rows(qbo_server[1], "Purchase")) == 1
    assert row_ids(connected.get(SELECT).get_data(as_text=True)) == [
        r for r in ROWS if r not in ("55101", "55103")
    ]
    review = connected.get("/batches/review?kind=expenses").get_data(as_text=True)
    assert identifier in review and "Expense" in text(review)
    assert identifier not in connected.get("/batches/review?kind=invoices").get_data(as_text=True)


def test_mark_as_already_exported_batches_expenses_without_sending(
    app, connected, manage, qbo_server, run_jobs
):
    chosen = ["55102", "55104"]
    confirm = connected.post(MARK, {**picked(chosen, mode="mark_exported"), "step": "review"})
    assert confirm.status_code == 200, text(confirm.get_data(as_text=True))[:800]
    response = connected.post(MARK, {**picked(chosen, mode="mark_exported"), "step": "confirm"})
    assert response.status_code == 302, text(response.get_data(as_text=True))[:800]
    run_jobs()
    assert unposted(manage[1]) == set(ROWS) - set(chosen)
    assert qbo_rows(qbo_server[1], "Bill") == [] and qbo_rows(qbo_server[1], "Purchase") == []
    status = text(connected.get(response.headers["Location"]).get_data(as_text=True))
    assert "Marked as already exported" in status
