"""Item receipt batches over real HTTP with a real worker, into both sandboxes (issue 12)."""

from __future__ import annotations

import requests
from inventory_support import (
    RECEIPTS,
    bills,
    logs,
    manage_batches,
    money,
    qbo_rows,
    sample,
    set_products_tab,
    submit,
    transactions,
    unposted,
)
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction
from cwqbo.models.user import utcnow

# The sample's receipts: PO 813 arrived in two parts that carry one vendor invoice number.
SECOND_OF_813 = "7003-purchase"
RECEIVED = {"SSD-1TB": 30, "LAPTOP-14": 7, "FW-TZ370": 2, "DOCK-USB-C": 9}  # inventory parts


def test_item_receipts_become_bills_and_are_batched_in_manage(
    app, connected, manage, qbo_server, run_jobs
):
    base_url, state, _faults = manage
    qbo = qbo_server[0]
    set_products_tab(app, qbo)
    docs = sample(state)
    vendors_before = {v["DisplayName"] for v in qbo_rows(qbo, "Vendor")}
    batch_id = submit(app, RECEIPTS)
    run_jobs()

    txs = transactions(app, batch_id)
    assert {t.state for t in txs.values()} == {"batched"}, {
        k: t.message for k, t in txs.items() if t.state != "batched"
    }
    found = bills(qbo)
    assert sum(len(b) for b in found.values()) == 10, "exactly one bill per receipt"
    expected_numbers = {d["export"]["vendorInvoiceNumber"] for d in docs.values()}
    assert set(found) == expected_numbers | {"INV-81377-2"}
    for manage_id, tx in txs.items():
        export = docs[manage_id]["export"]
        (bill,) = found[tx.qbo_doc_number]
        assert bill["Id"] == tx.qbo_id and tx.qbo_entity == "Bill"
        assert bill["VendorRef"]["name"] == export["company"]["name"]
        assert money(bill["TotalAmt"]) == money(export["total"]), manage_id
        assert bill["TxnDate"] == export["documentDate"][:10]
        item_lines = [ln for ln in bill["Line"] if ln["DetailType"] == "ItemBasedExpenseLineDetail"]
        products = [ln for ln in export["purchaseDetail"] if ln.get("item")]
        assert [ln["ItemBasedExpenseLineDetail"]["ItemRef"]["name"] for ln in item_lines] == [
            ln["item"]["identifier"] for ln in products
        ]
        for line, source in zip(item_lines, products, strict=True):
            detail = line["ItemBasedExpenseLineDetail"]
            assert detail["Qty"] == -source["quantity"]
            assert money(line["Amount"]) == -money(source["total"])
        accounts = {
            ln["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]: money(ln["Amount"])
            for ln in bill["Line"]
            if ln["DetailType"] == "AccountBasedExpenseLineDetail"
        }
        expected = {}
        freight = [ln for ln in export["purchaseDetail"] if ln["glTypeId"] == "PF"]
        tax = export["purchaseDetailTax"]
        ids = {a["FullyQualifiedName"]: a["Id"] for a in qbo_rows(qbo, "Account")}
        for ln in freight + tax:
            expected[ids[ln["accountNumber"]]] = -money(ln["total"])
        assert accounts == expected, manage_id

    # The second receipt of PO 813: its own bill number and batch id, and the log says so.
    second = txs[SECOND_OF_813]
    assert second.qbo_doc_number == "INV-81377-2"
    today = utcnow().date().isoformat()
    assert second.manage_batch_identifier == f"{today}-PPO-000813-2"
    assert any("receipt 2 of the PO" in line for line in logs(app, batch_id)), logs(app, batch_id)

    # Items by Type Xref; inventory parts track quantity and hold what was received.
    items = {i["Name"]: i for i in qbo_rows(qbo, "Item")}
    for name, qty in RECEIVED.items():
        assert items[name]["Type"] == "Inventory" and items[name]["QtyOnHand"] == qty, name
    for name in ("AV-ENDPOINT", "BACKUP-SVR", "M365-BP", "M365-EXO"):
        assert items[name]["Type"] == "NonInventory", name
    assert items["SHIP-GROUND"]["Type"] == "Service"  # Other Charge
    assert items["SHIP-GROUND"]["ExpenseAccountRef"]

    # Vendors: matched by name, created when missing with the Vendor XRef as company.
    vendors = {v["DisplayName"]: v for v in qbo_rows(qbo, "Vendor")}
    assert set(vendors) - vendors_before == {"Amazon Business"}
    amazon = next(d["export"] for d in docs.values() if d["export"]["company"]["id"] == 9)
    assert vendors["Amazon Business"]["CompanyName"] == amazon["vendorNumber"]

    # Manage: every receipt is its own batch, nothing is left unposted.
    batches = manage_batches(state)
    for manage_id, tx in txs.items():
        assert tx.manage_batch_identifier in batches, manage_id
        assert batches[tx.manage_batch_identifier]["id"] == tx.manage_batch_id
        number = docs[manage_id]["export"]["documentNumber"]
        assert tx.manage_batch_identifier.startswith(f"{today}-P{number}")
    assert len(batches) == 10
    assert unposted(state) == set()


def test_problems_stop_only_their_receipts(app, connected, manage, qbo_server, run_jobs):
    """A product type without Type Xref, an inventory part without COGS account: clear fixes,
    nothing of them written; the other receipts go on."""
    base_url, state, _faults = manage
    qbo = qbo_server[0]
    set_products_tab(app, qbo, cogs=False)  # no COGS fallback on the Products tab
    with state.lock:
        docs = {d["record"]["unpostedProductId"]: d for d in state.docs["products"].values()}
        # PO 814 buys FW-TZ370, whose product type lost its Type Xref.
        for line in docs["7004-purchase"]["export"]["purchaseDetail"]:
            line["itemTypeXref"] = ""
        # PO 812's SSD-1TB line names no COGS account (and the Products tab has none).
        for line in docs["7001-purchase"]["export"]["purchaseDetail"]:
            line.pop("costAccountNumber", None)
    batch_id = submit(app, ["7001-purchase", "7004-purchase", "7005-purchase"])
    run_jobs()

    txs = transactions(app, batch_id)
    assert txs["7005-purchase"].state == "batched"
    for manage_id, wanted, where in (
        ("7004-purchase", 'Product "FW-TZ370" has Type Xref ""', "Setup Tables › Product Type"),
        ("7001-purchase", "cost of goods sold account", "Products tab"),
    ):
        tx = txs[manage_id]
        assert tx.state == "failed", tx.message
        text = " ".join(p["message"] + " " + p["fix"] + " " + p["where"] for p in tx.problems)
        assert wanted in text and where in text, text
        assert tx.qbo_id is None and tx.manage_batch_id is None
    names = {i["Name"] for i in qbo_rows(qbo, "Item")}
    assert not names & {"FW-TZ370", "SSD-1TB", "DOCK-USB-C"}, "nothing of them written"
    assert {"M365-BP", "M365-EXO"} <= names
    assert set(bills(qbo)) == {"INV-81577"}
    assert unposted(state) >= {"7001-purchase", "7004-purchase"}
    assert "7005-purchase" not in unposted(state)


def test_unbatch_with_delete_removes_the_bill(app, connected, manage, qbo_server, run_jobs):
    base_url, state, _faults = manage
    qbo = qbo_server[0]
    set_products_tab(app, qbo)
    batch_id = submit(app, ["7001-purchase"])
    run_jobs()
    tx = transactions(app, batch_id)["7001-purchase"]
    assert tx.state == "batched"
    with app.app_context():
        ident = db.session.get(Batch, batch_id).identifier
    ssd = next(i for i in qbo_rows(qbo, "Item") if i["Name"] == "SSD-1TB")
    assert ssd["QtyOnHand"] == 10
    # The sandbox viewer lists the bill, and its page shows the lines.
    listing = requests.get(f"{qbo}/_sandbox/view/{QBO_US_REALM}/Bill", timeout=10).text
    assert "INV-81277" in listing and "TechDist Inc" in listing
    page = requests.get(f"{qbo}/_sandbox/view/{QBO_US_REALM}/Bill/{tx.qbo_id}", timeout=10).text
    for shown in ("ItemBasedExpense", "SSD-1TB", "DOCK-USB-C", "AccountBasedExpense", "Freight In"):
        assert shown in page, shown

    page = connected.get(f"/batches/{ident}/transactions/{tx.id}/unbatch")
    assert page.status_code == 200
    assert "delete the QuickBooks bill" in page.get_data(as_text=True)
    response = connected.post(f"/batches/{ident}/transactions/{tx.id}/unbatch", data={"void": "1"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    shown = connected.get(response.headers["Location"]).get_data(as_text=True)
    assert "is unbatched and its QuickBooks Bill was deleted" in shown

    assert bills(qbo) == {}, "the bill is deleted in QBO"
    assert "7001-purchase" in unposted(state), "the receipt is unposted again in Manage"
    assert manage_batches(state) == {}
    ssd = next(i for i in qbo_rows(qbo, "Item") if i["Name"] == "SSD-1TB")
    assert ssd["QtyOnHand"] == 0, "deleting the bill takes its quantity back"
    after = transactions(app, batch_id)["7001-purchase"]
    assert after.state == "unbatched"
    assert any("deleted" in line and "Bill" in line for line in logs(app, batch_id))


def test_receipts_manage_does_not_export_fail_saying_so(
    app, connected, manage, qbo_server, run_jobs
):
    """Fewer documents than asked for: the missing receipts fail naming why, never silently."""
    _base_url, state, _faults = manage
    qbo = qbo_server[0]
    set_products_tab(app, qbo)
    with state.lock:  # dated after the export's thruDate (today): Manage leaves it out
        state.docs["products"][7004]["export"]["purchaseDate"] = "2999-01-01T00:00:00Z"
        state.docs["products"][7004]["record"]["purchaseDate"] = "2999-01-01T00:00:00Z"
    batch_id = submit(app, ["7001-purchase", "7004-purchase"])
    run_jobs()
    txs = transactions(app, batch_id)
    assert txs["7001-purchase"].state == "batched"
    missing = txs["7004-purchase"]
    assert missing.state == "failed"
    assert missing.message.startswith("ConnectWise exported 1 of 2 item receipts asked for")
    assert "Item receipt PO-000814 was not in the export" in missing.message
    assert set(bills(qbo)) == {"INV-81277"}

    state.set_export_id_fields({"products": "id"})  # a Manage that selects by another id
    batch_id = submit(app, ["7005-purchase"])
    run_jobs()
    tx = transactions(app, batch_id)["7005-purchase"]
    assert tx.state == "failed"
    assert tx.message.startswith("ConnectWise exported 0 of 1 item receipts asked for"), tx.message
    assert "unpostedProductId" in tx.message
    assert "7005-purchase" in unposted(state) and "INV-81577" not in bills(qbo)


def test_parts_of_one_po_in_separate_batches_keep_distinct_stable_ids(
    app, connected, manage, qbo_server, run_jobs
):
    """The second part arrives in a later batch (the same day): it still gets -2, and keeps
    it when unbatched and sent again."""
    from cwqbo.batches import service

    state, qbo = manage[1], qbo_server[0]
    set_products_tab(app, qbo)
    today = utcnow().date().isoformat()
    first = submit(app, ["7002-purchase"])
    run_jobs()
    second = submit(app, ["7003-purchase"])
    run_jobs()
    one = transactions(app, first)["7002-purchase"]
    two = transactions(app, second)["7003-purchase"]
    assert (one.state, two.state) == ("batched", "batched"), (one.message, two.message)
    assert one.manage_batch_identifier == f"{today}-PPO-000813"
    assert two.manage_batch_identifier == f"{today}-PPO-000813-2"
    assert {n: len(b) for n, b in bills(qbo).items()} == {"INV-81377": 1, "INV-81377-2": 1}
    assert set(manage_batches(state)) == {f"{today}-PPO-000813", f"{today}-PPO-000813-2"}

    with app.app_context():
        service.unbatch(db.session.get(BatchTransaction, two.id), void=True, user_id=None)
    assert set(bills(qbo)) == {"INV-81377"}
    again = submit(app, ["7003-purchase"])
    run_jobs()
    three = transactions(app, again)["7003-purchase"]
    assert three.state == "batched", three.message
    assert three.manage_batch_identifier == f"{today}-PPO-000813-2"
    assert {n: len(b) for n, b in bills(qbo).items()} == {"INV-81377": 1, "INV-81377-2": 1}
    assert unposted(state) & {"7002-purchase", "7003-purchase"} == set()
