"""A malformed export (a string where Manage sends an object) is a problem, never a crash."""

from __future__ import annotations

import pytest

from cwqbo.quickbooks import QBOClient
from cwqbo.sandbox.quickbooks import serve_in_thread
from cwqbo.transfer import TransferSettings, names_needed
from cwqbo.transfer.preview import dry_run

from .conftest import US, sandbox_manage_client


def header(field, value):
    def vary(tx, customer):
        tx[field] = value

    return vary


def line(n, field, value):
    def vary(tx, customer):
        tx["detail"][n][field] = value

    return vary


def customer_field(field, value):
    def vary(tx, customer):
        customer[field] = value

    return vary


CASES = [
    ("company-as-text", header("company", "Acme"), "with company as text 'Acme', not an object."),
    ("currency-as-text", header("currency", "USD"), "with currency as text 'USD', not an object."),
    ("tax-code-as-number", header("taxCode", 4), "with taxCode as a number 4, not an object."),
    ("terms-as-text", header("billingTerms", "Net 30"), "with billingTerms as text 'Net 30'"),
    ("detail-as-text", header("detail", "none"), "with detail as text 'none', not a list."),
    ("a-line-as-text", header("detail", ["x"]), "with detail line 1 as text 'x', not an object."),
    ("line-item-as-text", line(0, "item", "SSD"), "with detail line 1 item as text 'SSD', not an"),
    ("tax-levels-as-text", header("taxLevels", "TX"), "with taxLevels as text 'TX', not a list."),
    ("a-tax-level-as-number", header("taxLevels", [1]), "with taxLevels holding a number 1"),
    (
        "customer-company-as-text",
        customer_field("company", "Acme"),
        "with its customer row's company as text 'Acme', not an object.",
    ),
    (
        "customer-levels-as-true",
        customer_field("taxLevels", True),
        "with its customer row's taxLevels as true/false True, not a list.",
    ),
]


@pytest.mark.parametrize(("vary", "text"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_a_malformed_export_is_a_problem_naming_the_field(mapper, vary, text):
    tx = mapper.tx("10013")
    customer = mapper.customer(tx)
    vary(tx, customer)
    plan = mapper.plan(tx, customer=customer)
    assert plan.entity is None and plan.needs == []
    assert f"ConnectWise exported invoice 10013 {text}" in mapper.text(plan)
    assert "Check the invoice (and its company) in Manage" in mapper.text(plan)
    # Loading skips it; the other invoices of the export are looked up as before.
    export = {"transactions": [tx, mapper.tx("10026")], "customers": [customer]}
    people, _ = names_needed(export, TransferSettings(), mapper.manage)
    assert "Contoso Ltd" in people
    if "customer row's company" not in text:  # else the row no longer belongs to the invoice
        assert people == {"Contoso Ltd", "Contoso Ltd (CONTOSOL50)"}  # plain, appended


def test_a_customer_row_that_is_not_an_object(mapper):
    plan = mapper.plan(mapper.tx("10013"), customer="Adventure Works")
    assert "with its customer row as text 'Adventure Works', not an object." in mapper.text(plan)


def test_the_preview_shows_malformed_invoices_and_plans_the_others(cw_sandbox):
    """Over HTTP against both sandboxes: the preview never fails for one bad invoice."""
    base_url, state, _ = cw_sandbox
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        docs["10013"]["export"]["currency"] = "USD"
        docs["10014"]["export"]["detail"][0]["item"] = "SSD"
        docs["10015"]["export"]["taxLevels"] = [{"taxLevel": "first"}]  # unreadable level
    manage = sandbox_manage_client(base_url, state)
    qbo_url, server, qbo_state = serve_in_thread()
    qbo = QBOClient(US, f"{qbo_url}/v3", lambda: qbo_state.add_token(US), sleep=lambda s: None)
    try:
        ids = [str(880001 + n - 10001) for n in (10012, 10013, 10014, 10015)]
        result = dry_run(manage, qbo, ids, TransferSettings(invoice_detail="detailed"))
    finally:
        manage.close()
        server.shutdown()
        server.server_close()
    shown = {d["number"]: d for d in result["documents"]}
    assert shown["10012"]["problems"] == [] and shown["10012"]["body"] is not None
    assert "currency as text 'USD', not an object" in shown["10013"]["problems"][0]["message"]
    assert shown["10013"]["currency"] == ""
    assert "detail line 1 item as text 'SSD'" in shown["10014"]["problems"][0]["message"]
    message = shown["10015"]["problems"][0]["message"]
    assert message.startswith("ConnectWise sent data cwqbo cannot read for this invoice")
    assert result["problems"] == 3
