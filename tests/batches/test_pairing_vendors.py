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
