"""The Manage client against the sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from cwqbo.connectwise import (
    ManageAuthError,
    ManageBadRequest,
    ManageClient,
    ManageConnectionError,
    ManageCredentials,
    ManageNotFound,
    ManagePermissionError,
    ManageRateLimited,
    ManageServerError,
    RetryPolicy,
)
from cwqbo.connectwise import conditions as C
from cwqbo.connectwise.glexport import processed_record_ids
from cwqbo.sandbox.connectwise import Faults


def test_lists_with_pages_filters_and_counts(cw_client):
    rows = list(cw_client.iter_unposted_invoices(page_size=7))
    assert len(rows) == 60 == cw_client.count_unposted_invoices()
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    denver = list(cw_client.iter_unposted_invoices(location_id=2))
    assert denver and all(r["locationId"] == 2 for r in denver)
    assert cw_client.count_unposted_invoices(location_id=2) == len(denver)
    assert cw_client.count_unposted_expenses() == 20
    assert cw_client.count_unposted_procurement() == 10
    assert cw_client.transport.calls == 1 + 9 + 1 + 1 + 1 + 1 + 1  # discovery + calls


def test_conditions_reach_the_sandbox_intact(cw_client):
    [obrien] = cw_client.find_companies_by_name('O\'Brien & Sons "IT"')
    assert obrien["identifier"] == "OBrienSons"
    cond = C.and_(C.gte("invoiceDate", dt.date(2025, 5, 20)), C.eq("company/name", "Contoso Ltd"))
    rows = list(cw_client.iter_unposted_invoices(conditions=cond))
    assert rows and all(r["company"]["name"] == "Contoso Ltd" for r in rows)
    assert all(r["invoiceDate"] >= "2025-05-20" for r in rows)
    cafe = list(cw_client.iter_companies(C.like("name", "Caf* Müller*")))
    assert [c["identifier"] for c in cafe] == ["CafeMuller"]
    vendors = list(cw_client.iter_companies(C.eq("isVendorFlag", True)))
    assert "NorthwindTraders" in {c["identifier"] for c in vendors}
    with pytest.raises(ManageBadRequest) as caught:
        cw_client.get("/company/companies", {"conditions": 'name = "unclosed'})
    assert caught.value.code == "InvalidObject"


def test_export_batch_unbatch_cycle(cw_client, cw_sandbox):
    invoice = next(cw_client.iter_unposted_invoices(conditions=C.eq("invoiceNumber", "10005")))
    export = cw_client.export_gl("invoices", [invoice["billingLogId"]])
    [tx] = export["transactions"]
    assert tx["documentNumber"] == "10005" and tx["currency"]["currencyCode"] == "CAD"
    assert export["customers"][0]["company"]["id"] == invoice["company"]["id"]
    assert cw_client.count_unposted_invoices() == 60  # export changes nothing
    ids = processed_record_ids(export)
    batch = cw_client.create_batch("2025-06-01-I10005", ids, kind="invoices")
    assert batch["batchIdentifier"] == "2025-06-01-I10005" and batch["id"]
    assert cw_client.count_unposted_invoices() == 59
    assert invoice["id"] not in {r["id"] for r in cw_client.iter_unposted_invoices()}
    entries = list(cw_client.iter_batch_entries(batch["id"]))
    assert sorted(e["id"] for e in entries) == ids
    with pytest.raises(ManageBadRequest) as dup:
        cw_client.create_batch("2025-06-01-I10005", [ids[0]], kind="invoices")
    assert dup.value.errors[0]["code"] == "ObjectExists"
    cw_client.delete_batch(batch["id"])
    assert cw_client.count_unposted_invoices() == 60
    with pytest.raises(ManageNotFound):
        cw_client.get_batch(batch["id"])


def test_partial_batch_leaves_document_unposted(cw_client):
    row = next(cw_client.iter_unposted_expenses())
    ids = processed_record_ids(cw_client.export_gl("expenses", [row["expenseDetailId"]]))
    assert len(ids) == 2
    cw_client.create_batch("2025-06-01-Epartial", ids[:1], kind="expenses")
    assert row["id"] in {r["id"] for r in cw_client.iter_unposted_expenses()}
    cw_client.create_batch("2025-06-01-Erest", ids[1:], kind="expenses")
    assert row["id"] not in {r["id"] for r in cw_client.iter_unposted_expenses()}


def test_procurement_export_two_receipts_of_one_po(cw_client):
    rows = list(
        cw_client.iter_unposted_procurement(conditions=C.eq("purchaseOrder/name", "PO-000813"))
    )
    assert len(rows) == 2
    export = cw_client.export_gl("procurement", [r["unpostedProductId"] for r in rows])
    slips = {p["packingSlip"] for p in export["purchaseTransactions"]}
    assert slips == {"PS-813-1", "PS-813-2"}
    assert export["vendors"][0]["vendor"]["identifier"] == "TechDist"


def test_payments_change_invoice_balance(cw_client):
    invoice = cw_client.find_invoice_by_number("10010")
    paid = cw_client.create_invoice_payment(invoice["id"], 100.0, dt.date(2025, 6, 3))
    after = cw_client.get_invoice(invoice["id"])
    assert after["balance"] == round(invoice["balance"] - 100.0, 2)
    assert after["payments"] == 100.0
    assert [p["id"] for p in cw_client.list_invoice_payments(invoice["id"])] == [paid["id"]]
    with pytest.raises(ManageBadRequest):
        cw_client.create_invoice_payment(invoice["id"], 10_000_000, dt.date(2025, 6, 3))
    cw_client.delete_invoice_payment(invoice["id"], paid["id"])
    assert cw_client.get_invoice(invoice["id"])["balance"] == invoice["balance"]


def test_tax_codes_with_levels_and_reference_lists(cw_client):
    codes = {c["identifier"]: c for c in cw_client.iter_tax_codes_with_levels()}
    assert [lv["taxLevel"] for lv in codes["CO-DENVER"]["levels"]] == [1, 3, 5]
    assert len(codes["TX"]["levels"]) == 1
    assert len(list(cw_client.iter_gl_accounts())) >= 20
    names = {a["segment1"] for a in cw_client.iter_gl_accounts()}
    assert "Income:Services:Managed:Remote Support:After Hours" in names
    assert {t["typeXref"] for t in cw_client.iter_product_types()} >= {"InventoryPart", "Service"}
    assert len(cw_client.list_purchase_order_lines(813)) == 1


def test_wrong_keys_and_missing_client_id_are_401(cw_credentials, fake_sleep):
    bad = ManageCredentials(
        cw_credentials.site,
        cw_credentials.company_id,
        cw_credentials.public_key,
        "wrong",
        cw_credentials.client_id,
    )
    with ManageClient(bad, retry=RetryPolicy(sleep=fake_sleep)) as client:
        with pytest.raises(ManageAuthError):
            client.system_info()
    no_client_id = ManageCredentials(
        cw_credentials.site,
        cw_credentials.company_id,
        cw_credentials.public_key,
        cw_credentials.private_key,
        "",
    )
    with ManageClient(no_client_id, retry=RetryPolicy(sleep=fake_sleep)) as client:
        with pytest.raises(ManageAuthError) as caught:
            client.system_info()
    assert "clientId" in caught.value.message


# -- fault knobs -------------------------------------------------------------------------


def test_latency_knob_delays_responses(cw_client, cw_sandbox):
    _, _, faults = cw_sandbox
    cw_client.system_info()
    faults.configure(Faults(latency_ms=150))
    started = dt.datetime.now()
    cw_client.system_info()
    assert (dt.datetime.now() - started).total_seconds() >= 0.15


def test_429_knob_sends_retry_after_and_client_recovers(cw_client, cw_sandbox, fake_sleep):
    _, _, faults = cw_sandbox
    faults.configure(Faults(script=["429", "429"], retry_after=3))
    assert cw_client.count_unposted_invoices() == 60
    assert fake_sleep.calls == [3.0, 3.0]
    faults.configure(Faults(rate_429=1.0, retry_after=2))
    with pytest.raises(ManageRateLimited) as caught:
        cw_client.count_unposted_invoices()
    assert caught.value.retry_after == 2.0


def test_500_rate_knob_is_seeded_and_survived(cw_client, cw_sandbox, fake_sleep):
    _, _, faults = cw_sandbox
    cw_client.discover()
    faults.configure(Faults(rate_500=0.3, seed=7))
    rows = list(cw_client.iter_unposted_invoices(page_size=5))
    assert len(rows) == 60
    assert faults.counts.get("500", 0) >= 1 and len(fake_sleep.calls) == faults.counts["500"]
    faults.configure(Faults(rate_500=1.0))
    with pytest.raises(ManageServerError):
        cw_client.system_info()


def test_dropped_connection_knob(cw_client, cw_sandbox, fake_sleep):
    _, _, faults = cw_sandbox
    cw_client.discover()
    faults.configure(Faults(script=["drop"]))
    assert cw_client.system_info()["version"]
    assert len(fake_sleep.calls) == 1
    faults.configure(Faults(rate_drop=1.0))
    with pytest.raises(ManageConnectionError):
        cw_client.system_info()
    # A non-idempotent POST is not replayed after a drop: Manage may have processed it.
    faults.configure(Faults(script=["drop"]))
    calls = len(fake_sleep.calls)
    with pytest.raises(ManageConnectionError):
        cw_client.create_batch("2025-06-01-Idrop", [77001], kind="invoices")
    assert len(fake_sleep.calls) == calls


def test_slow_response_knob_trips_client_timeout(cw_credentials, cw_sandbox, fake_sleep):
    _, _, faults = cw_sandbox
    client = ManageClient(
        cw_credentials, timeout=(1.0, 0.2), retry=RetryPolicy(max_attempts=2, sleep=fake_sleep)
    )
    client.discover()
    faults.configure(Faults(rate_slow=1.0, slow_ms=600))
    with pytest.raises(ManageConnectionError) as caught:
        client.system_info()
    assert "timed out" in caught.value.message and len(fake_sleep.calls) == 1
    faults.configure(Faults(script=["slow"], slow_ms=600))
    assert client.system_info()  # the retry is answered at normal speed


def test_deny_knob_answers_403_like_manage(cw_client, cw_sandbox):
    _, _, faults = cw_sandbox
    faults.configure(Faults(deny=["/finance/accounting/unpostedexpenses"]))
    with pytest.raises(ManagePermissionError) as caught:
        cw_client.count_unposted_expenses()
    assert caught.value.status == 403 and caught.value.code
    assert cw_client.count_unposted_invoices() == 60


def test_control_endpoints(cw_sandbox, cw_client):
    base_url, _, _ = cw_sandbox
    set_faults = requests.post(
        f"{base_url}/_sandbox/faults", json={"deny": "/system/members"}, timeout=5
    )
    assert set_faults.json()["deny"] == ["/system/members"]
    with pytest.raises(ManagePermissionError):
        list(cw_client.iter_members())
    row = next(cw_client.iter_unposted_expenses())
    ids = processed_record_ids(cw_client.export_gl("expenses", [row["expenseDetailId"]]))
    cw_client.create_batch("2025-06-01-Ectl", ids, kind="expenses")
    state = requests.get(f"{base_url}/_sandbox/state", timeout=5).json()
    assert row["id"] not in state["unposted"]["expenses"]
    assert requests.post(f"{base_url}/_sandbox/reset", json={"faults": {}}, timeout=5).ok
    state = requests.get(f"{base_url}/_sandbox/state", timeout=5).json()
    assert row["id"] in state["unposted"]["expenses"] and state["faults"]["deny"] == []
    bad = requests.post(f"{base_url}/_sandbox/faults", json={"nope": 1}, timeout=5)
    assert bad.status_code == 400
