"""Every change made so QBO takes a document is said, in the preview and the batch log
(issue 13 §4). Over both sandboxes, with a real worker."""

from __future__ import annotations

from transfer_support import batch_status, qbo_docs, row_ids, submit, transactions

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.models import BatchLog, QBOConfiguration

CUSTOMER = (
    'Customer "Café Müller: West" goes to QuickBooks as "Café Müller- West": QuickBooks '
    'reads ":" as a parent:child separator, so cwqbo writes "-" instead.'
)
PRODUCT = (
    'Product "SHIP:OVERNIGHT" goes to QuickBooks as "SHIP-OVERNIGHT": QuickBooks reads ":" '
    'as a parent:child separator, so cwqbo writes "-" instead.'
)
PRICE = "quantity 3 x unit price 65.333 is 195.999, not its amount 195.0 to the cent"


def rename_and_reprice(state) -> None:
    """Invoice 10012 (Café Müller & Söhne, 2 SHIP-OVERNIGHT lines) as a bookkeeper typed it."""
    with state.lock:
        doc = next(
            d for d in state.docs["invoices"].values() if d["export"]["documentNumber"] == "10012"
        )
        export = doc["export"]
        export["company"]["name"] = "Café Müller: West"
        company = next(c for c in state.data["companies"] if c["id"] == export["company"]["id"])
        company["name"] = "Café Müller: West"
        first = export["detail"][0]
        first["item"]["identifier"] = "SHIP:OVERNIGHT"
        first["itemPrice"] = 65.333  # x 3 is not the line's 195.00 to the cent


def test_each_change_for_qbo_is_in_preview_and_log(app, connected, manage, qbo_server, run_jobs):
    rename_and_reprice(manage[1])
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        shown = service.preview("invoices", config, row_ids(10012), invoice_detail="detailed")
    (doc,) = shown.documents
    assert not doc["problems"], doc["problems"]
    changes = doc["changes"]
    assert CUSTOMER in changes and PRODUCT in changes, changes
    assert any(PRICE in c and "sent as the amount alone" in c for c in changes), changes
    assert len(changes) == 3, changes

    batch_id = submit(app, row_ids(10012))
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert transactions(app, batch_id)["10012"]["state"] == "batched"
    with app.app_context():
        lines = list(db.session.scalars(db.select(BatchLog.message)))
    said = [ln for ln in lines if ln.startswith("Invoice 10012: changed for QuickBooks: ")]
    assert sorted(ln.split(": changed for QuickBooks: ", 1)[1] for ln in said) == sorted(changes)

    (sent,) = qbo_docs(qbo_server[0])["10012"]
    assert sent["CustomerRef"]["name"] == "Café Müller- West"
    first, second = [ln for ln in sent["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert "Qty" not in first["SalesItemLineDetail"] and first["Amount"] == 195
    assert first["SalesItemLineDetail"]["ItemRef"]["name"] == "SHIP-OVERNIGHT"
    assert second["SalesItemLineDetail"]["Qty"] == 1  # unchanged: said nothing about it


def test_nothing_changed_says_nothing(app, connected, manage, qbo_server):
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        shown = service.preview("invoices", config, row_ids(10012), invoice_detail="detailed")
    assert shown.documents[0]["changes"] == []
