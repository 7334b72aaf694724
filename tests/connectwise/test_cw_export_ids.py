"""Which ids the GL export takes and which GL ids a batch needs (issue 10 §2), over HTTP."""

from __future__ import annotations

import datetime as dt
import logging

import requests

from cwqbo.connectwise import conditions as C
from cwqbo.connectwise.glexport import processed_record_ids


def _invoice(cw_client, number: str) -> dict:
    return next(cw_client.iter_unposted_invoices(conditions=C.eq("invoiceNumber", number)))


def _unposted_numbers(cw_client) -> set[str]:
    return {r["invoiceNumber"] for r in cw_client.iter_unposted_invoices()}


def test_invoices_are_exported_by_billing_log_id_not_the_row_id(cw_client):
    row = _invoice(cw_client, "10012")
    assert row["id"] != row["billingLogId"]
    export = cw_client.export_gl("invoices", [row["billingLogId"]])
    assert [t["documentNumber"] for t in export["transactions"]] == ["10012"]
    assert export["transactions"][0]["id"] == row["billingLogId"]
    assert cw_client.export_gl("invoices", [row["id"]])["transactions"] == []


def test_expenses_are_exported_by_expense_detail_id(cw_client):
    row = next(cw_client.iter_unposted_expenses())
    assert row["id"] != row["expenseDetailId"]
    export = cw_client.export_gl("expenses", [row["expenseDetailId"]])
    assert len(export["expenses"]) == 1
    assert export["expenses"][0]["description"] == row["chargeDescription"]
    assert cw_client.export_gl("expenses", [row["id"]])["expenses"] == []


def test_export_ids_for_maps_row_keys_and_leaves_out_rows_no_longer_unposted(cw_client):
    rows = [_invoice(cw_client, n) for n in ("10012", "10013")]
    keys = [r["id"] for r in rows]
    assert cw_client.export_ids_for("invoices", keys) == {
        str(r["id"]): r["billingLogId"] for r in rows
    }
    ids = processed_record_ids(cw_client.export_gl("invoices", [rows[0]["billingLogId"]]))
    cw_client.create_batch("2025-06-01-I10012", ids, kind="invoices")
    assert cw_client.export_ids_for("invoices", keys) == {str(keys[1]): rows[1]["billingLogId"]}


def test_export_leaves_out_documents_after_thru_date(cw_client):
    rows = [_invoice(cw_client, n) for n in ("10001", "10060")]
    assert rows[0]["invoiceDate"] < rows[1]["invoiceDate"]
    ids = [r["billingLogId"] for r in rows]
    thru = dt.datetime.fromisoformat(rows[0]["invoiceDate"].replace("Z", "+00:00"))
    export = cw_client.export_gl("invoices", ids, thru_date=thru)
    assert [t["documentNumber"] for t in export["transactions"]] == ["10001"]
    assert len(cw_client.export_gl("invoices", ids)["transactions"]) == 2


def test_header_gl_entry_ids_differ_from_the_detail_ids_and_both_are_needed(cw_client):
    taxed = []
    for number in ("10012", "10013", "10014", "10015", "10016", "10017", "10018"):
        row = _invoice(cw_client, number)
        [tx] = cw_client.export_gl("invoices", [row["billingLogId"]])["transactions"]
        header = {int(i) for i in tx["glEntryIds"].split(",")}
        detail = {d["id"] for d in tx["detail"]}
        assert header - detail, number  # the AR entry is only in the header
        if detail - header:  # tax lines are only in detail[]
            taxed.append((number, header, detail, tx))
    assert len(taxed) >= 2
    (first, header, detail, _), (second, header2, detail2, tx2) = taxed[:2]

    cw_client.create_batch("2025-06-01-Ihead", sorted(header), kind="invoices")
    assert first in _unposted_numbers(cw_client), "header ids alone leave it unposted"
    cw_client.create_batch("2025-06-01-Irest", sorted(detail - header), kind="invoices")
    assert first not in _unposted_numbers(cw_client)

    cw_client.create_batch("2025-06-01-Idetail", sorted(detail2), kind="invoices")
    assert second in _unposted_numbers(cw_client), "detail ids alone leave it unposted"
    cw_client.delete_batch(cw_client.find_batch("2025-06-01-Idetail")["id"])

    # The product's choice (glexport.processed_record_ids): one batch, and it is gone.
    ids = processed_record_ids({"transactions": [tx2]})
    assert set(ids) == header2 | detail2
    batch = cw_client.create_batch("2025-06-01-Ichoice", ids, kind="invoices")
    assert second not in _unposted_numbers(cw_client)
    assert sorted(e["id"] for e in cw_client.iter_batch_entries(batch["id"])) == ids


def test_a_tenant_expecting_other_ids_exports_nothing_and_the_client_says_so(
    cw_client, cw_sandbox, caplog
):
    base_url, state, _ = cw_sandbox
    reset = requests.post(
        f"{base_url}/_sandbox/reset", json={"exportIdFields": {"invoices": "id"}}, timeout=5
    )
    assert reset.ok, reset.text
    row = _invoice(cw_client, "10012")
    with caplog.at_level(logging.WARNING, logger="cwqbo.connectwise.accounting"):
        export = cw_client.export_gl("invoices", [row["billingLogId"]])
    assert export["transactions"] == []
    assert "ConnectWise exported 0 of 1 invoices asked for" in caplog.text
    bad = requests.post(
        f"{base_url}/_sandbox/reset", json={"exportIdFields": {"nope": "id"}}, timeout=5
    )
    assert bad.status_code == 400
    assert state.export_id_fields["invoices"] == "billingLogId"
