"""A document number QBO already holds is a validation problem: preview shows it, nothing of
that transaction is written (issue 13 §2). Over both sandboxes, with a real worker."""

from __future__ import annotations

import inventory_support as inv
from conftest import qbo_entities
from support import QBO_US_REALM
from transfer_support import (
    batch_status,
    qbo_docs,
    row_ids,
    submit,
    transactions,
    unposted_numbers,
)

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration


def seed(qbo_state, entity: str, **body) -> dict:
    """Create a record straight in the QBO sandbox (as a bookkeeper would have)."""
    with qbo_state.lock:
        return qbo_state.companies[QBO_US_REALM].create(entity, body)


def income_item(qbo_base_url: str) -> dict:
    return next(i for i in qbo_entities(qbo_base_url, "Item") if i.get("Type") == "Service")


def preview(app, kind: str, ids: list[str]):
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        return service.preview(kind, config, ids, invoice_detail="detailed")


def test_an_invoice_number_qbo_already_has_is_shown_and_nothing_of_it_is_written(
    app, connected, manage, qbo_server, run_jobs
):
    """Invoice 10013 is for a company QBO does not have yet (Adventure Works Cycles)."""
    base_url, qbo_state = qbo_server[0], qbo_server[1]
    item = income_item(base_url)
    taken = seed(
        qbo_state,
        "Invoice",
        DocNumber="10013",
        CustomerRef={"value": "1", "name": "Contoso Ltd"},
        Line=[
            {
                "Amount": 5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
            }
        ],
    )
    customers_before = {c["DisplayName"] for c in qbo_entities(base_url, "Customer")}
    assert "Adventure Works Cycles" not in customers_before

    shown = preview(app, "invoices", row_ids(10013, 10012))
    docs = {d["number"]: d for d in shown.documents}
    (problem,) = docs["10013"]["problems"]
    assert problem["message"].startswith(
        f"The number 10013 is already used by QuickBooks Invoice id {taken['Id']} for Contoso Ltd"
    ), problem
    assert "Mark as already exported" in problem["fix"]
    assert problem["where"] == "QuickBooks › Sales › Invoices"
    assert not docs["10012"]["problems"]
    assert shown.problems == 1
    assert not any("Adventure Works" in c["name"] for c in shown.creates), shown.creates

    batch_id = submit(app, row_ids(10013, 10012))
    run_jobs()
    txs = transactions(app, batch_id)
    assert txs["10013"]["state"] == "failed"
    assert [p["message"] for p in txs["10013"]["problems"]] == [problem["message"]]
    assert txs["10012"]["state"] == "batched"
    assert batch_status(app, batch_id)[0] == "failed"
    after = {c["DisplayName"] for c in qbo_entities(base_url, "Customer")}
    assert "Adventure Works Cycles" not in after, "not even its new customer was created"
    assert customers_before <= after
    assert [d["Id"] for d in qbo_docs(base_url)["10013"]] == [taken["Id"]]
    assert "10013" in unposted_numbers(manage[1])


def test_a_cwqbo_document_of_the_same_transaction_is_no_duplicate(
    app, connected, manage, qbo_server, run_jobs
):
    """Unbatched with its QBO invoice kept: the preview and the re-send use it, no problem."""
    from cwqbo.models import BatchTransaction

    first = submit(app, row_ids(10012))
    run_jobs()
    with app.app_context():
        row = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == first)
        )
        service.unbatch(row, void=False, user_id=None)
    shown = preview(app, "invoices", row_ids(10012))
    assert shown.documents[0]["problems"] == []
    again = submit(app, row_ids(10012))
    run_jobs()
    assert transactions(app, again)["10012"]["state"] == "batched"
    assert len(qbo_docs(qbo_server[0])["10012"]) == 1


def test_a_vendor_invoice_number_already_billed_by_that_vendor_is_a_problem(
    app, connected, manage, qbo_server, run_jobs
):
    base_url, qbo_state = qbo_server[0], qbo_server[1]
    inv.set_products_tab(app, base_url)
    exports = inv.sample(manage[1])
    first, other = inv.RECEIPTS[0], inv.RECEIPTS[2]
    export = exports[first]["export"]
    number, vendor_name = export["vendorInvoiceNumber"], export["company"]["name"]
    vendors = {v["DisplayName"]: v for v in inv.qbo_rows(base_url, "Vendor")}
    vendor = vendors.get(vendor_name) or seed(qbo_state, "Vendor", DisplayName=vendor_name)
    someone_else = next(v for name, v in vendors.items() if name != vendor_name)
    account = inv.account_ids(base_url)["Cost of Goods Sold:Hardware"]
    line = {
        "Amount": 12,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}},
    }
    billed = seed(
        qbo_state,
        "Bill",
        DocNumber=number,
        VendorRef={"value": vendor["Id"], "name": vendor_name},
        Line=[line],
    )
    other_number = exports[other]["export"]["vendorInvoiceNumber"]
    # The same number from another vendor is that vendor's own invoice: no duplicate.
    seed(
        qbo_state,
        "Bill",
        DocNumber=other_number,
        VendorRef={"value": someone_else["Id"], "name": someone_else["DisplayName"]},
        Line=[line],
    )

    shown = preview(app, "products", [first, other])
    by_problem = {bool(d["problems"]) for d in shown.documents}
    assert by_problem == {True, False}
    flagged = next(d for d in shown.documents if d["problems"])
    (problem,) = flagged["problems"]
    assert problem["message"].startswith(
        f"The vendor invoice number {number} is already used by QuickBooks bill id "
        f"{billed['Id']} for {vendor_name}"
    ), problem

    batch_id = inv.submit(app, [first, other])
    run_jobs()
    txs = inv.transactions(app, batch_id)
    assert txs[first].state == "failed" and txs[first].qbo_id is None
    assert txs[first].problems[0]["message"] == problem["message"]
    assert txs[other].state == "batched", txs[other].message
    assert [b["Id"] for b in inv.bills(base_url)[number]] == [billed["Id"]]
