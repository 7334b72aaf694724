"""The sandbox validates like QBO, through QBOClient over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from cwqbo.quickbooks import (
    BatchOp,
    QBODuplicateDocNumber,
    QBODuplicateName,
    QBOInactiveObject,
    QBOInvalidReference,
    QBOStaleObject,
    QBOValidationError,
)
from cwqbo.sandbox.quickbooks import query as ql

US_REALM, CA_REALM = "9341453000000001", "9341453000000002"
DATA = Path(__file__).resolve().parents[2] / "cwqbo" / "sandbox" / "data"


def sales_line(amount, item="2", tax="NON", qty=None, price=None):
    detail = {"ItemRef": {"value": item}, "TaxCodeRef": {"value": tax}}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail}


def test_query_parser_subset():
    q = ql.parse(
        "select count(*) from Invoice where DocNumber in ('A', 'B\\'s') and "
        "TotalAmt >= '10.5' and CustomerRef = '58' orderby TxnDate desc, Id "
        "startposition 3 maxresults 1000"
    )
    assert q.count and q.entity == "Invoice" and q.start == 3 and q.max_results == 1000
    with pytest.raises(ql.QueryError) as too_many:  # refused, never clamped
        ql.parse("SELECT * FROM Invoice MAXRESULTS 1001")
    assert too_many.value.code == "4001" and "Max allowed value is 1000" in too_many.value.detail
    assert ql.parse("SELECT *, Sku FROM Item ORDER BY Name").order == [("Name", False)]
    assert ql.parse("SELECT Id, SyncToken FROM Item").entity == "Item"
    assert q.where[0].values == ["A", "B's"] and q.where[1].op == ">="
    assert q.order == [("TxnDate", True), ("Id", False)]
    rows = [
        {
            "Id": "1",
            "Name": "Acme Corp",
            "MetaData": {"LastUpdatedTime": "2025-06-01T10:00:00-07:00"},
        },
        {
            "Id": "2",
            "Name": "acme west",
            "MetaData": {"LastUpdatedTime": "2025-06-01T18:00:00+00:00"},
        },
    ]
    hit = ql.run(
        ql.parse(
            "SELECT * FROM X WHERE Name LIKE 'ACME%' AND "
            "MetaData.LastUpdatedTime > '2025-06-01T17:30:00Z'"
        ),
        rows,
    )
    assert [r["Id"] for r in hit] == ["2"]  # 10:00-07:00 is 17:00Z, before 17:30Z
    for bad in (
        "SELECT * FROM",
        "SELECT * FROM Invoice WHERE A = 'x' OR B = 'y'",
        "DELETE FROM Invoice",
        "SELECT * FROM Invoice WHERE Name = 'open",
    ):
        with pytest.raises(ql.QueryError):
            ql.parse(bad)


def test_name_lists_hide_inactive_and_names_collide(qbo_sandbox):
    client = qbo_sandbox.client()
    names = [c["DisplayName"] for c in client.query("SELECT * FROM Customer")]
    assert names == ["Contoso Ltd", "Fabrikam, Inc."]
    every = client.query_all("SELECT * FROM Customer WHERE Active IN (true, false)")
    assert len(every) == 3
    with pytest.raises(QBODuplicateName):
        client.create("Customer", {"DisplayName": "Northwind Traders"}, "c1")
    made = client.create("Customer", {"DisplayName": "Northwind Traders (C)"}, "c2")
    with pytest.raises(QBOInactiveObject):
        client.create("Invoice", {"CustomerRef": {"value": "3"}, "Line": [sales_line(5)]}, "i0")
    with pytest.raises(QBOInvalidReference) as err:
        client.create(
            "Invoice",
            {"CustomerRef": {"value": made["Id"]}, "Line": [sales_line(5, item="999")]},
            "i1",
        )
    assert err.value.element == "ItemRef"
    assert client.count("SELECT count(*) FROM Customer") == 3


def test_us_tax_docnumber_and_stale_sync_token(qbo_sandbox):
    client = qbo_sandbox.client()
    fl = client.query_all("SELECT * FROM TaxCode WHERE Name = 'FL-HILLS'")[0]
    body = {
        "CustomerRef": {"value": "2"},
        "DocNumber": "CW1001",
        "TxnTaxDetail": {"TxnTaxCodeRef": {"value": fl["Id"]}},
        "Line": [sales_line(159.98, tax="TAX", qty=2, price=79.99), sales_line(100)],
    }
    inv = client.create("Invoice", body, "inv-1001")
    assert inv["TxnTaxDetail"]["TotalTax"] == 12.0  # 7.5% of the taxable 159.98 only
    assert inv["TotalAmt"] == 271.98 and inv["Balance"] == 271.98
    assert (
        inv["DueDate"]
        == (datetime.fromisoformat(inv["TxnDate"]) + timedelta(days=45)).date().isoformat()
    )  # Fabrikam's Net 45 is not sent: TxnDate
    with pytest.raises(QBODuplicateDocNumber) as err:
        client.create("Invoice", body, "inv-1001-again")
    assert f"TxnId={inv['Id']}" in err.value.detail
    with pytest.raises(QBOValidationError) as err:
        client.create(
            "Invoice",
            {**body, "DocNumber": "CW1002", "Line": [sales_line(10, qty=3, price=3.5)]},
            "bad",
        )
    assert err.value.code == "6070"
    upd = client.update("Invoice", {"Id": inv["Id"], "SyncToken": "0", "PrivateNote": "n"}, "u1")
    assert upd["SyncToken"] == "1" and upd["TotalAmt"] == 271.98
    with pytest.raises(QBOStaleObject):
        client.update("Invoice", {"Id": inv["Id"], "SyncToken": "0", "PrivateNote": "x"}, "u2")
    voided = client.void("Invoice", inv["Id"], "1", "v1")
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"].startswith("Voided")


def test_global_tax_per_line_codes(qbo_sandbox):
    client = qbo_sandbox.client(CA_REALM)
    code = client.query_all("SELECT * FROM TaxCode WHERE Name = 'QC-GST-QST'")[0]
    with pytest.raises(QBOValidationError):
        client.create(
            "Invoice", {"CustomerRef": {"value": "1"}, "Line": [sales_line(100, tax="")]}, "ca0"
        )
    inv = client.create(
        "Invoice",
        {
            "CustomerRef": {"value": "1"},
            "GlobalTaxCalculation": "TaxExcluded",
            "Line": [sales_line(100, tax=code["Id"])],
        },
        "ca1",
    )
    assert inv["TxnTaxDetail"]["TotalTax"] == 14.98  # 5 % GST + 9.975 % QST
    assert inv["TotalAmt"] == 114.98


def test_requestid_replay_batch_and_cdc(qbo_sandbox):
    client = qbo_sandbox.client()
    since = datetime.now().astimezone() - timedelta(seconds=5)
    first = client.create("Vendor", {"DisplayName": "Amazon Business"}, "v-amz")
    again = client.create("Vendor", {"DisplayName": "Amazon Business"}, "v-amz")
    assert again == first
    assert qbo_sandbox.sandbox_state()["counts"]["replays"] == 1
    ops = [
        BatchOp("create", "Customer", {"DisplayName": "Zoë's Bakery"}),
        BatchOp("create", "Customer", {"DisplayName": "Ingram Micro"}),
        BatchOp("query", body="SELECT * FROM Term WHERE DueDays = '45'"),
        BatchOp(
            "create",
            "Bill",
            {
                "VendorRef": {"value": first["Id"]},
                "DocNumber": "A-1",
                "Line": [
                    {
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "Amount": 12.5,
                        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "40"}},
                    }
                ],
            },
        ),
    ]
    results = client.batch(ops, "batch-1")
    assert results[0].ok and results[0].entity["DisplayName"] == "Zoë's Bakery"
    assert isinstance(results[1].error, QBODuplicateName)
    assert results[2].query_response["Term"][0]["Name"] == "Net 45"
    assert results[3].entity["TotalAmt"] == 12.5
    assert client.batch(ops, "batch-1")[0].entity == results[0].entity  # replayed, not re-run
    changes = client.cdc(["Customer", "Vendor", "Bill", "Invoice"], since)
    assert {c["DisplayName"] for c in changes["Customer"]} == {"Zoë's Bakery"}
    assert "Invoice" not in changes
    bill = results[3].entity
    client.delete("Bill", bill["Id"], bill["SyncToken"], "del-1")
    deleted = client.cdc(["Bill"], since)["Bill"]
    assert deleted == [
        {"domain": "QBO", "status": "Deleted", "Id": bill["Id"], "MetaData": deleted[0]["MetaData"]}
    ]


def test_payment_reduces_invoice_balance(qbo_sandbox):
    client = qbo_sandbox.client()
    seeded = client.read("Invoice", "100")
    assert seeded["Balance"] == 300.0 and seeded["LinkedTxn"][0]["TxnType"] == "Payment"
    pay = client.create(
        "Payment",
        {
            "CustomerRef": {"value": "1"},
            "TotalAmt": 350,
            "Line": [{"Amount": 300, "LinkedTxn": [{"TxnId": "100", "TxnType": "Invoice"}]}],
        },
        "p1",
    )
    assert pay["UnappliedAmt"] == 50
    assert client.read("Invoice", "100")["Balance"] == 0
    client.void("Payment", pay["Id"], pay["SyncToken"], "p1-void")
    assert client.read("Invoice", "100")["Balance"] == 300.0


def test_dropped_response_retried_with_same_requestid_creates_once(qbo_sandbox):
    client = qbo_sandbox.client()
    requests.post(
        f"{qbo_sandbox.base_url}/_sandbox/faults", json={"script": ["drop", "500"]}, timeout=5
    )
    made = client.create("Customer", {"DisplayName": "Boulder Brewing Co."}, "cw-co-270")
    assert made["DisplayName"] == "Boulder Brewing Co."
    rows = client.query_all("SELECT * FROM Customer WHERE DisplayName = 'Boulder Brewing Co.'")
    assert len(rows) == 1
    state = qbo_sandbox.sandbox_state()
    assert state["counts"]["replays"] == 1
    assert state["faultCounts"] == {"drop": 1, "500": 1, "ok": 2}  # create replayed, query


def test_sample_names_match_the_manage_sample():
    qbo = json.loads((DATA / "quickbooks_sample.json").read_text(encoding="utf-8"))
    cw_path = DATA / "connectwise_sample.json"
    if cw_path.exists():
        names = json.loads(cw_path.read_text(encoding="utf-8"))["accountingNames"]
    else:
        from cwqbo.sandbox.connectwise.sample_reference import accounting_names

        names = accounting_names()
    for realm in qbo["realms"].values():
        ents = realm["entities"]
        by_id = {a["Id"]: a for a in ents["Account"]}

        def fqn(a, by_id=by_id):
            parent = a.get("ParentRef")
            return f"{fqn(by_id[parent['value']])}:{a['Name']}" if parent else a["Name"]

        accounts = {fqn(a) for a in ents["Account"]}
        assert {g["name"] for g in names["glAccounts"]} <= accounts
        assert {t["name"] for t in names["billingTerms"]} == {t["Name"] for t in ents["Term"]}
    us_codes = {c["Name"] for c in qbo["realms"][US_REALM]["entities"]["TaxCode"]}
    ca_codes = {c["Name"] for c in qbo["realms"][CA_REALM]["entities"]["TaxCode"]}
    assert {t["identifier"] for t in names["taxCodes"]} <= us_codes | ca_codes


# -- limits real QBO refuses (codes and details are listed in QUICKBOOKS_DATASET.md) ------
def api(sandbox, realm=US_REALM):
    """POST raw JSON to the sandbox's API with a minted token; returns the response."""
    token = sandbox.state.add_token(realm)

    def post(path, body, **params):
        return requests.post(
            f"{sandbox.base_url}/v3/company/{realm}/{path}",
            params={"minorversion": 75, **params},
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10,
        )

    return post


def error_of(resp):
    return resp.json()["Fault"]["Error"][0]


def test_string_lengths_refused_with_2050(qbo_sandbox):
    post = api(qbo_sandbox)
    cases = [
        ("customer", {"DisplayName": "Acme", "CompanyName": "C" * 101}, "CompanyName", 100),
        ("vendor", {"DisplayName": "V" * 501}, "DisplayName", 500),
        ("item", {"Name": "I" * 101, "IncomeAccountRef": {"value": "4"}}, "Name", 100),
        ("term", {"Name": "T" * 32, "DueDays": 3}, "Name", 31),
        (
            "invoice",
            {"CustomerRef": {"value": "1"}, "DocNumber": "D" * 22, "Line": [sales_line(5)]},
            "DocNumber",
            21,
        ),
    ]
    for path, body, element, limit in cases:
        resp = post(path, body)
        assert resp.status_code == 400, (path, resp.text)
        err = error_of(resp)
        assert (err["code"], err["element"]) == ("2050", element)
        assert err["Detail"] == (
            f"String length specified does not match the supported length. Min:0 Max:{limit} "
            f"supplied length:{limit + 1}"
        )
    assert post("customer", {"DisplayName": "Acme", "CompanyName": "C" * 100}).status_code == 200
    item = {"Name": "I" * 100, "IncomeAccountRef": {"value": "4"}}
    assert post("item", item).status_code == 200


def test_line_count_limits_on_taxable_us_invoices(qbo_sandbox):
    post = api(qbo_sandbox)
    taxed = [sales_line(1, tax="TAX") for _ in range(751)]
    resp = post("invoice", {"CustomerRef": {"value": "1"}, "Line": taxed})
    assert resp.status_code == 400
    err = error_of(resp)
    assert err["code"] == "6000"
    assert "at most 750 lines; this one has 751" in err["Detail"]
    ok = post("invoice", {"CustomerRef": {"value": "1"}, "Line": taxed[:750]})
    assert ok.status_code == 200 and ok.json()["Invoice"]["TxnTaxDetail"]["TotalTax"] == 0
    untaxed = post("invoice", {"CustomerRef": {"value": "1"}, "Line": [sales_line(1)] * 751})
    assert untaxed.status_code == 200  # the 750 cap is for taxable invoices only
    global_realm = api(qbo_sandbox, CA_REALM)
    code = {"value": "52"}
    ca_lines = [
        {**sales_line(1), "SalesItemLineDetail": {"ItemRef": {"value": "2"}, "TaxCodeRef": code}}
        for _ in range(751)
    ]
    assert (
        global_realm("invoice", {"CustomerRef": {"value": "1"}, "Line": ca_lines}).status_code
        == 200
    )


def test_ar_account_must_be_receivable(qbo_sandbox):
    post = api(qbo_sandbox)
    body = {"CustomerRef": {"value": "1"}, "Line": [sales_line(5)], "ARAccountRef": {"value": "4"}}
    resp = post("invoice", body)
    assert resp.status_code == 400
    err = error_of(resp)
    assert (err["code"], err["element"]) == ("6000", "ARAccountRef")
    assert (
        "ARAccountRef must be an Accounts Receivable account; account 4 (Services)" in err["Detail"]
    )
    assert post("invoice", {**body, "ARAccountRef": {"value": "1"}}).status_code == 200
    memo = post("creditmemo", {**body, "ARAccountRef": {"value": "2"}})
    assert error_of(memo)["element"] == "ARAccountRef"


def test_document_currency_must_be_the_customers(qbo_sandbox):
    ca = api(qbo_sandbox, CA_REALM)
    line = {
        **sales_line(10),
        "SalesItemLineDetail": {"ItemRef": {"value": "2"}, "TaxCodeRef": {"value": "51"}},
    }
    body = {"CustomerRef": {"value": "1"}, "Line": [line], "CurrencyRef": {"value": "USD"}}
    resp = ca("invoice", body)
    assert resp.status_code == 400
    err = error_of(resp)
    assert (err["code"], err["element"]) == ("6000", "CurrencyRef")
    assert err["Detail"].startswith(
        "Business Validation Error: The currency of the transaction is invalid for customer"
    )
    assert "Invoice in USD; customer Laurentide Inc. uses CAD" in err["Detail"]
    usd = ca("customer", {"DisplayName": "Yankee Co", "CurrencyRef": {"value": "USD"}}).json()
    usd_id = usd["Customer"]["Id"]
    assert ca("invoice", {**body, "CustomerRef": {"value": usd_id}}).status_code == 200
    home = ca("invoice", {**body, "CustomerRef": {"value": usd_id}, "CurrencyRef": None})
    assert error_of(home)["element"] == "CurrencyRef"  # no CurrencyRef = home currency (CAD)
    assert ca("invoice", {**body, "CurrencyRef": {"value": "CAD"}}).status_code == 200


def test_absurd_amounts_fault_per_item_not_a_bare_500(qbo_sandbox):
    post = api(qbo_sandbox)
    items = [
        {
            "bId": f"b{n}",
            "operation": "create",
            "Invoice": {
                "CustomerRef": {"value": "1"},
                "DocNumber": f"BIG{n}",
                "Line": [sales_line(100 + n)],
            },
        }
        for n in range(30)
    ]
    items[7]["Invoice"]["Line"] = [sales_line(10**30)]
    items[8]["Invoice"]["Line"] = [sales_line(1, qty=10**20, price=10**20)]
    items[9]["Invoice"]["Line"] = [sales_line(9_999_999_999_999.99)] * 2  # total overflows
    items[10]["Invoice"]["Line"] = [sales_line("NaN")]
    items[11]["Invoice"]["Line"] = [sales_line(1.123456)]  # six decimals
    resp = post("batch", {"BatchItemRequest": items})
    assert resp.status_code == 200, resp.text
    by_id = {r["bId"]: r for r in resp.json()["BatchItemResponse"]}
    bad = {"b7", "b8", "b9", "b10", "b11"}
    assert {b for b, r in by_id.items() if "Fault" in r} == bad
    assert all("Invoice" in by_id[f"b{n}"] for n in range(30) if f"b{n}" not in bad)
    big = by_id["b7"]["Fault"]["Error"][0]
    assert (big["code"], big["element"]) == ("2010", "Line[1].Amount")
    assert "out of range: 10000000000" in big["Detail"] and "at most 15 digits" in big["Detail"]
    assert by_id["b9"]["Fault"]["Error"][0]["element"] == "TotalAmt"
    assert by_id["b11"]["Fault"]["Error"][0]["code"] == "2010"
    single = post("invoice", items[7]["Invoice"])
    assert single.status_code == 400 and error_of(single)["code"] == "2010"
    pay = post("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 1e30})
    assert pay.status_code == 400 and error_of(pay)["element"] == "TotalAmt"
