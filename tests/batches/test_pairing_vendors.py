"""Vendors paired like customers (issue 13 §1): item receipt vendor companies, over the runner.

The sample's receipts come from TechDist Inc (Manage company 6), Ingram Micro (7), Pax8 (8)
and Northwind Traders (257), already QBO vendors 21, 20, 22 and 23, and from Amazon Business
(9), which is not. Here Amazon Business is also a QBO customer.
"""

from __future__ import annotations

from inventory_support import RECEIPTS, bills, logs, qbo_rows, set_products_tab, submit
from inventory_support import transactions as receipt_transactions
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions, Pairing, QBOConfiguration

AMAZON = ("7007-purchase", "7010-purchase")


def set_options(app, **values) -> None:
    with app.app_context():
        options = ConfigurationOptions.for_config(db.session.get(QBOConfiguration, 1))
        for name, value in values.items():
            setattr(options, name, value)
        db.session.commit()


def vendor_pairings(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(Pairing).where(Pairing.manage_kind == "vendor"))
        return {r.manage_id: (r.qbo_id, r.qbo_name) for r in rows}


def test_receipt_vendors_match_existing_vendors_and_collide_into_the_suffix(
    app, connected, manage, qbo_server, run_jobs
):
    base_url, qbo_state = qbo_server
    set_products_tab(app, base_url)
    with qbo_state.lock:
        qbo_state.companies[QBO_US_REALM].create("Customer", {"DisplayName": "Amazon Business"})
    # Append account name on: vendors already in QBO under their plain names are kept.
    set_options(app, collision_suffix="(V)", append_account_name=True)
    before = {v["DisplayName"] for v in qbo_rows(base_url, "Vendor")}

    batch_id = submit(app, RECEIPTS[:-1])  # all but the last Amazon receipt
    run_jobs()
    txs = receipt_transactions(app, batch_id)
    assert {t.state for t in txs.values()} == {"batched"}, {k: t.message for k, t in txs.items()}
    vendors = {b[0]["VendorRef"]["name"] for b in bills(base_url).values()}
    assert {"TechDist Inc", "Ingram Micro", "Pax8"} <= vendors, "existing vendors are used"
    # Only the new vendor gets the appended name (free, so no suffix is needed).
    created = {v["DisplayName"] for v in qbo_rows(base_url, "Vendor")} - before
    assert created == {"Amazon Business (AMAZONBU09)"}
    paired = vendor_pairings(app)
    assert paired["6"] == ("21", "TechDist Inc") and paired["7"] == ("20", "Ingram Micro")
    assert paired["257"] == ("23", "Northwind Traders")
    assert paired["9"][1] == "Amazon Business (AMAZONBU09)"
    text = "\n".join(logs(app, batch_id))
    assert 'Paired Manage vendor "TechDist Inc" (id 6) with QBO vendor "TechDist Inc"' in text
    assert 'matches the existing QBO vendor "Ingram Micro" (id 20) by name' in text

    # The option turned off, the next receipt of Amazon Business still lands on its vendor.
    set_options(app, append_account_name=False)
    batch_id = submit(app, [AMAZON[1]])
    run_jobs()
    (tx,) = receipt_transactions(app, batch_id).values()
    assert tx.state == "batched", tx.message
    assert {v["DisplayName"] for v in qbo_rows(base_url, "Vendor")} - before == created


def test_a_vendor_named_like_a_customer_gets_the_suffix(
    app, connected, manage, qbo_server, run_jobs
):
    base_url, qbo_state = qbo_server
    set_products_tab(app, base_url)
    with qbo_state.lock:
        qbo_state.companies[QBO_US_REALM].create("Customer", {"DisplayName": "Amazon Business"})
    set_options(app, collision_suffix="(V)")
    batch_id = submit(app, AMAZON)
    run_jobs()
    txs = receipt_transactions(app, batch_id)
    assert {t.state for t in txs.values()} == {"batched"}, {k: t.message for k, t in txs.items()}
    names = {b[0]["VendorRef"]["name"] for b in bills(base_url).values()}
    assert names == {"Amazon Business (V)"}
    assert vendor_pairings(app)["9"][1] == "Amazon Business (V)"
    text = "\n".join(logs(app, batch_id))
    assert '"Amazon Business" is already a QBO customer: the vendor for Manage vendor' in text


def test_a_member_named_like_an_employee_gets_a_suffixed_vendor_and_keeps_it(
    app, connected, manage, qbo_server, run_jobs
):
    """Member jdoe's name "Jane Doe" is a QBO employee (id 40)."""
    from test_expense_transfer import qbo_rows as expense_rows
    from test_expense_transfer import sample
    from test_expense_transfer import set_options as set_expense_tab
    from test_expense_transfer import submit as submit_expenses
    from transfer_support import batch_status, transactions

    state, qbo_state = manage[1], qbo_server[1]
    set_expense_tab(app, qbo_state)
    set_options(app, collision_suffix="(V)")
    jdoe = sorted(
        row_id
        for row_id, doc in sample(state).items()
        if doc["record"]["member"]["identifier"] == "jdoe"
        and doc["record"]["classification"] == "Reimbursable"
    )
    assert len(jdoe) >= 2
    batch_id = submit_expenses(app, jdoe[:1])
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded", transactions(app, batch_id)
    (bill,) = expense_rows(qbo_state, "Bill")
    assert bill["VendorRef"]["name"] == "Jane Doe (V)"
    with app.app_context():
        pairing = db.session.scalar(db.select(Pairing).where(Pairing.manage_kind == "member"))
        assert (pairing.qbo_id, pairing.qbo_name) == (bill["VendorRef"]["value"], "Jane Doe (V)")
        log = "\n".join(r.message for r in logs_of(batch_id))
    assert '"Jane Doe" is already a QBO employee: the vendor for Manage member' in log

    vendors = sorted(v["DisplayName"] for v in expense_rows(qbo_state, "Vendor"))
    batch_id = submit_expenses(app, jdoe[1:2])
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    later = [b for b in expense_rows(qbo_state, "Bill") if b["Id"] != bill["Id"]]
    assert [b["VendorRef"]["value"] for b in later] == [bill["VendorRef"]["value"]]
    assert sorted(v["DisplayName"] for v in expense_rows(qbo_state, "Vendor")) == vendors


def logs_of(batch_id: int):
    from cwqbo.models import BatchLog

    return db.session.scalars(db.select(BatchLog).where(BatchLog.batch_id == batch_id)).all()
