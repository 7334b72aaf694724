"""Review Existing Batch finds a batch by an invoice number, PO number or expense id."""

from __future__ import annotations

import re

from pages_support import make_batch, text

REVIEW = "/batches/review"


def opened(response) -> tuple[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    match = re.fullmatch(r"/batches/([A-Z]{3}-\d{6})#tx-(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1), match.group(2)


def tx_ids(app, identifier: str) -> dict[str, str]:
    from cwqbo.extensions import db
    from cwqbo.models import Batch

    with app.app_context():
        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
        return {t.number: str(t.id) for t in batch.transactions}


def test_by_invoice_po_and_expense_numbers(app, connected):
    invoices = make_batch(
        app,
        status="succeeded",
        transactions=[
            {"state": "batched", "number": "10045"},
            {"state": "failed", "number": "10046"},
        ],
    )
    pos = make_batch(
        app,
        kind="products",
        status="succeeded",
        transactions=[{"state": "batched", "number": "PO-77"}],
    )
    expenses = make_batch(
        app, kind="expenses", status="failed", transactions=[{"state": "failed", "number": "5123"}]
    )
    for wanted, identifier, number in (
        ("10046", invoices, "10046"),
        ("#10045", invoices, "10045"),
        ("po-77", pos, "PO-77"),
        (" 5123 ", expenses, "5123"),
    ):
        found, tx = opened(connected.get(REVIEW, query_string={"batch_id": wanted}))
        assert found == identifier and tx == tx_ids(app, identifier)[number], wanted


def test_a_number_sent_again_opens_the_batch_that_holds_it_now(app, connected):
    first = make_batch(
        app, status="succeeded", transactions=[{"state": "unbatched", "number": "10050"}]
    )
    second = make_batch(
        app, status="succeeded", transactions=[{"state": "batched", "number": "10050"}]
    )
    assert first != second
    found, _ = opened(connected.get(REVIEW, query_string={"batch_id": "10050"}))
    assert found == second


def test_an_unknown_number_says_what_can_be_searched(connected):
    response = connected.get(REVIEW, query_string={"batch_id": "99999"})
    assert response.status_code == 404
    page = text(response.get_data(as_text=True))
    assert "No batch has the Batch ID 99999" in page
    assert "invoice number (10045), PO number or expense id" in page
