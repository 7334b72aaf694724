"""The sample invoices against the QBO sandbox's own validation and totals, and loading."""

from __future__ import annotations

import copy
import json
from collections import Counter
from decimal import Decimal

import pytest

from cwqbo.quickbooks import BatchOp, QBOClient
from cwqbo.sandbox.quickbooks import SandboxState, serve_in_thread
from cwqbo.transfer import (
    NO_LINES,
    ManageReference,
    QBOReference,
    TransferSettings,
    invoice_body,
    names_needed,
    plan_invoice,
)

from .conftest import CA, US, sandbox_manage_client

# realm, options, invoices expected to be sent, what keeps the others back
REALM_CASES = {
    # 52 = 60 - #10001 (no lines) - the 7 CAD invoices (currency, and QC tax where taxable).
    "US": (US, {"append_account_name": True}, 52, {"multi-currency is off in cwqbo"}),
    # 14 = the 7 CAD invoices + the 7 USD ones of tax-exempt customers (EXEMPT exists in the
    # Canadian company too); the US tax codes of all other invoices are not there.
    "CA": (CA, {"multi_currency": True}, 14, {"has no matching QBO tax code"}),
}


def settings_for(ref: QBOReference, detail: str, options: dict) -> TransferSettings:
    if not ref.us:
        options = {**options, "exempt_tax_code_id": ref.find("TaxCode", "EXEMPT")["Id"]}
    return TransferSettings(invoice_detail=detail, **options)


@pytest.mark.parametrize("detail", ["summary", "detailed"])
@pytest.mark.parametrize("realm_name", ["US", "CA"])
def test_sample_invoices_land_with_manage_totals(gl_export, cw_sample, realm_name, detail):
    """Create every sendable sample invoice in the sandbox; QBO's TotalAmt = Manage's total."""
    realm, options, sendable, reasons = REALM_CASES[realm_name]
    company = SandboxState().companies[realm]
    ref = QBOReference.from_entities(
        copy.deepcopy(company.info),
        copy.deepcopy(company.prefs),
        {e: copy.deepcopy(list(rows.values())) for e, rows in company.rows.items()},
    )
    settings = settings_for(ref, detail, options)
    manage = ManageReference(copy.deepcopy(cw_sample["glAccounts"]))
    customers = {c["company"]["id"]: c for c in gl_export["customers"]}
    plans = []
    for tx in gl_export["transactions"]:
        customer = customers.get(tx["company"]["id"])
        plans.append((tx, customer, plan_invoice(tx, customer, ref, manage, settings)))
    assert [p.doc_number for _, _, p in plans if p.skip_reason == NO_LINES] == ["10001"]
    ready = [(tx, c, p) for tx, c, p in plans if p.entity]
    held = [p for _, _, p in plans if p.problems]
    assert len(ready) == sendable and len(held) == 59 - sendable
    assert all(any(r in str(x) for r in reasons for x in p.problems) for p in held)
    created = Counter()
    for _, _, plan in ready:  # as the runner does: deduped, in dependency order
        for need in plan.needs:
            if ref.find(need.entity, need.name) is None:
                ref.add(need.entity, company.create(need.entity, need.body))
                created[need.entity] += 1
    kinds = Counter()
    for tx, customer, plan in ready:
        body = json.loads(json.dumps(invoice_body(tx, customer, ref, manage, settings)))
        row = company.create(plan.entity, body)  # the sandbox's own validation and totals
        assert Decimal(str(row["TotalAmt"])) == plan.expected_total, plan.doc_number
        kinds[plan.entity] += 1
    assert kinds["CreditMemo"] == (1 if realm_name == "US" else 0)
    assert created["Customer"] > 0 and created["Item"] > 0


def test_sample_invoices_over_http_batches(gl_export, cw_sample):
    """The runner's path: load, create needs in one batch per entity, then the invoices."""
    base, server, state = serve_in_thread()
    try:
        client = QBOClient(US, f"{base}/v3", lambda: state.add_token(US), sleep=lambda s: None)
        settings = TransferSettings(append_account_name=True, invoice_detail="detailed")
        people, items = names_needed(gl_export, settings)
        ref = QBOReference.load(client, customer_names=people, item_names=items)
        manage = ManageReference(cw_sample["glAccounts"])
        customers = {c["company"]["id"]: c for c in gl_export["customers"]}
        ready = []
        for tx in gl_export["transactions"]:
            customer = customers.get(tx["company"]["id"])
            plan = plan_invoice(tx, customer, ref, manage, settings)
            if plan.entity:
                ready.append((tx, customer, plan))
        for entity in ("Term", "Class", "Department", "Customer", "Item"):
            wanted = {
                n.name.casefold(): n for *_, p in ready for n in p.needs if n.entity == entity
            }
            ops = [BatchOp("create", entity, n.body) for n in wanted.values()]
            for result in client.batch(ops, idempotency_key=f"needs-{entity}"):
                assert result.ok, result.error
                ref.add(entity, result.entity)
        ops = [
            BatchOp("create", p.entity, invoice_body(tx, c, ref, manage, settings))
            for tx, c, p in ready
        ]
        results = client.batch(ops, idempotency_key="documents")
        for (*_, plan), result in zip(ready, results, strict=True):
            assert result.ok, (plan.doc_number, result.error)
            assert Decimal(str(result.entity["TotalAmt"])) == plan.expected_total
        assert len(ready) == 52
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def qbo_http():
    base, server, state = serve_in_thread()
    yield base, state
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("count", [1, 10, 60])
def test_reference_loads_in_three_calls(qbo_http, gl_export, cw_sample, make_ref, count):
    """CompanyInfo, Preferences and one batch of queries, however many invoices."""
    base, state = qbo_http
    client = QBOClient(US, f"{base}/v3", lambda: state.add_token(US), sleep=lambda s: None)
    export = {**gl_export, "transactions": gl_export["transactions"][:count]}
    settings = TransferSettings(append_account_name=False)
    people, items = names_needed(export, settings)
    loaded = QBOReference.load(client, customer_names=people, item_names=items)
    assert loaded.queries == client.calls == 3
    assert (loaded.country, loaded.home_currency, loaded.class_tracking) == ("US", "USD", True)
    # Loaded by name, the reference plans exactly as the full one does (nothing missed).
    full = make_ref("US")
    manage = ManageReference(cw_sample["glAccounts"])
    customers = {c["company"]["id"]: c for c in export["customers"]}
    for tx in export["transactions"]:
        customer = customers.get(tx["company"]["id"])
        a = plan_invoice(tx, customer, loaded, manage, settings)
        b = plan_invoice(tx, customer, full, manage, settings)
        assert (a.problems, a.needs, a.lines) == (b.problems, b.needs, b.lines), a.doc_number


def test_reference_load_reads_inactive_names_and_many_chunks(qbo_http):
    base, state = qbo_http
    client = QBOClient(US, f"{base}/v3", lambda: state.add_token(US), sleep=lambda s: None)
    quoted = 'O\'Brien & Sons "IT"'
    client.create("Customer", {"DisplayName": quoted}, "quoted-customer")
    names = [f"Customer {n:03d}" for n in range(100)]
    names += ["Old Client LLC", "Northwind Traders", quoted.upper()]
    ref = QBOReference.load(client, customer_names=names, item_names=["Down Payment"])
    assert ref.queries == 3  # 6 lists + 3 x 4 name chunks + 1 item chunk fit one batch
    assert ref.find("Customer", quoted)["DisplayName"] == quoted  # quotes survive the IN list
    assert ref.inactive("Customer", "Old Client LLC") and not ref.find("Customer", "Old Client LLC")
    assert ref.name_taken("northwind traders") == "Vendor"
    assert ref.find("Item", "Down Payment")["Type"] == "Service"
    assert ref.account("Income:Services:Managed:Remote Support:After Hours") is not None
    many = [f"Customer {n:03d}" for n in range(400)]
    assert QBOReference.load(client, customer_names=many).queries == 4  # 48 queries: 2 batches


def test_manage_export_and_gl_accounts_over_http(cw_sandbox, make_ref):
    """The real wire shapes: GLExport from the Manage sandbox, GL accounts for RD lines."""
    base_url, state, _ = cw_sandbox
    client = sandbox_manage_client(base_url, state)
    try:
        manage = ManageReference.load(client)
        unposted = list(client.iter_unposted_invoices())
        export = client.export_gl("invoices", [row["billingLogId"] for row in unposted])
    finally:
        client.close()
    assert len(manage.gl_accounts) == 29
    assert manage.product_id("Deferred Revenue:Down Payments") == ""
    settings = TransferSettings(
        append_account_name=True, service_item_source="work_role", invoice_detail="detailed"
    )
    people, items = names_needed(export, settings, manage)
    assert "Project Engineer" in items and "Down Payment" in items
    ref = make_ref("US")
    customers = {c["company"]["id"]: c for c in export["customers"]}
    plans = [
        plan_invoice(tx, customers.get(tx["company"]["id"]), ref, manage, settings)
        for tx in export["transactions"]
    ]
    assert len(plans) == 60 and sum(bool(p.entity) for p in plans) == 52
    assert {p.customer_name for p in plans} <= people
