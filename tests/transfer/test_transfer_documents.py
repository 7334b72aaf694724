"""The document: Invoice vs CreditMemo, number, dates, terms, currency, e-payments, skips."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cwqbo.transfer import (
    NO_LINES,
    InvoiceNotReady,
    UnresolvedReference,
    invoice_body,
    plan_invoice,
)


def only_tax_lines(tx):
    tx["detail"] = [ln for ln in tx["detail"] if ln["glTypeId"] == "ST"]


def negative_invoice(tx):
    for line in tx["detail"]:
        line["total"], line["quantity"] = -line["total"], -line["quantity"]
    tx["total"] = -tx["total"]


def field(**values):
    def vary(tx):
        tx.update(values)

    return vary


def terms(name, days):
    def vary(tx):
        tx.update(billingTermsXref=name, billingTerms={"id": 9, "name": name}, dueDays=days)

    return vary


# id, invoice, vary(tx), entity, expected_total, problem texts
DOCUMENT_CASES = [
    ("standard-invoice", "10013", None, "Invoice", "685.31", None),
    ("credit-memo", "10006", None, "CreditMemo", "5609.25", None),
    ("negative-total-is-a-credit-memo", "10013", negative_invoice, "CreditMemo", "685.31", None),
    ("down-payment-invoice", "10003", None, "Invoice", "1500.0", None),
    ("down-payment-applied", "10002", None, "Invoice", "445.5", None),
    ("agreement-invoice", "10008", None, "Invoice", "1140.0", None),
    ("number-of-21-characters", "10013", field(documentNumber="I" * 21), "Invoice", None, None),
    (
        "number-longer-than-21",
        "10013",
        field(documentNumber="TAMPA-HQ-2025-INV-0010013"),
        None,
        None,
        (
            "has 25 characters; QBO allows 21 (DocNumber)",
            "Shorten the invoice numbers (prefix and number) in Manage",
            "Billing Setup",
        ),
    ),
    (
        "unreadable-date",
        "10013",
        field(documentDate="someday"),
        None,
        None,
        ("has no readable date ('someday')",),
    ),
    ("us-style-date", "10013", field(documentDate="5/7/2025 12:00:00 AM"), "Invoice", None, None),
    ("existing-term", "10013", None, "Invoice", None, None),
    ("new-term-with-due-days", "10013", terms("Net 60", 60), "Invoice", None, None),
    ("due-days-as-string", "10013", terms("Net 21", "21"), "Invoice", None, None),
    (
        "new-term-without-due-days",
        "10013",
        terms("Net 60", None),
        None,
        None,
        (
            'Billing term "Net 60" is not in QBO and has no whole number of due days',
            "Manage › System › Setup Tables › Bill Term List",
        ),
    ),
    (
        "new-term-with-fractional-due-days",
        "10013",
        terms("Net 60", "30.5"),
        None,
        None,
        ("no whole number of due days",),
    ),
    (
        "term-name-longer-than-31",
        "10013",
        terms("Net 30 days from the end of the month", 30),
        None,
        None,
        ("longer than QBO's 31 characters",),
    ),
]


@pytest.mark.parametrize(
    ("number", "vary", "entity", "total", "problem"),
    [pytest.param(*c[1:], id=c[0]) for c in DOCUMENT_CASES],
)
def test_documents(mapper, number, vary, entity, total, problem):
    tx = mapper.tx(number)
    if vary:
        vary(tx)
    plan = mapper.plan(tx)
    assert plan.entity == entity
    if total is not None:
        assert plan.expected_total == Decimal(total)
    if problem:
        for text in problem:
            assert text in mapper.text(plan)
        return
    assert plan.problems == [], mapper.text(plan)
    body = mapper.body(tx)
    assert body["DocNumber"] == tx["documentNumber"]
    lines = mapper.lines(body)
    assert sum(Decimal(str(ln["Amount"])) for ln in lines) > 0  # document signs, not GL signs
    if entity == "CreditMemo":
        assert "SalesTermRef" not in body and "DueDate" not in body
        assert all(ln["Amount"] > 0 for ln in lines)
        assert not [n for n in plan.needs if n.entity == "Term"]


def test_invoice_without_lines_is_skipped(mapper):
    for tx in (mapper.tx("10001"), mapper.tx("10013")):
        if tx["documentNumber"] == "10013":
            only_tax_lines(tx)
        plan = mapper.plan(tx)
        assert plan.skip_reason == NO_LINES == "Invoice has no lines - not sent to QuickBooks"
        assert (plan.entity, plan.problems, plan.needs) == (None, [], [])
        with pytest.raises(ValueError):
            mapper.body(tx)


def test_header_fields_of_an_invoice(mapper):
    ref = mapper.make_ref("US")
    body = mapper.body(mapper.tx("10013"), ref=ref)
    assert body["TxnDate"] == "2025-05-07" and body["DueDate"] == "2025-06-06"
    assert body["SalesTermRef"] == {"value": "1", "name": "Net 30"}
    assert body["CustomerRef"]["name"] == "Adventure Works Cycles"
    assert body["PrivateNote"] == "ConnectWise Manage invoice 10013 (id 4113)"
    assert "CurrencyRef" not in body  # USD in a USD company without multi-currency
    assert not any(k.startswith("Allow") for k in body)


def test_us_style_dates_are_read(mapper):
    tx = mapper.tx("10013")
    tx.update(documentDate="5/7/2025 12:00:00 AM", dueDate="6/6/2025 12:00:00 AM")
    body = mapper.body(tx)
    assert (body["TxnDate"], body["DueDate"]) == ("2025-05-07", "2025-06-06")


@pytest.mark.parametrize(
    ("name", "days", "body"),
    [
        pytest.param("Net 60", 60, {"Name": "Net 60", "DueDays": 60}, id="integer"),
        pytest.param("Net 21", "21", {"Name": "Net 21", "DueDays": 21}, id="string"),
        pytest.param("Due now", 0, {"Name": "Due now", "DueDays": 0}, id="zero"),
    ],
)
def test_missing_term_is_created(mapper, name, days, body):
    tx = mapper.tx("10013")
    terms(name, days)(tx)
    plan = mapper.plan(tx)
    [need] = [n for n in plan.needs if n.entity == "Term"]
    assert (need.name, need.body, need.label) == (
        name,
        body,
        f'Term "{name}" ({body["DueDays"]} days)',
    )
    assert mapper.body(tx)["SalesTermRef"]["name"] == name


def test_credit_memo_lines_are_positive(mapper):
    body = mapper.body(mapper.tx("10006"), allow_epayments=True, allow_online=True)
    # GL lines +3990 (10 x BACKUP-SVR) and +1320 (8 h project work) on a -5609.25 memo
    assert [ln["Amount"] for ln in mapper.lines(body)] == [3990, 1320]
    assert not any(k.startswith("Allow") for k in body)  # the CreditMemo XSD has none
    assert body["PrivateNote"].startswith("ConnectWise Manage credit memo 10006")


def test_down_payment_applied_is_a_negative_line(mapper):
    body = mapper.body(mapper.tx("10002"), invoice_detail="detailed")
    amounts = [(ln["Description"], ln["Amount"]) for ln in mapper.lines(body)]
    assert amounts == [
        ("Project work (Project Engineer)", 660),
        ("Project work (Project Engineer)", 82.5),
        ("Down Payment Applied", -297),
    ]
    dp = next(ln for ln in mapper.lines(body) if ln["Description"] == "Down Payment Applied")
    assert dp["SalesItemLineDetail"]["ItemRef"]["name"] == "Down Payment"


# id, options, expected e-payment fields on an invoice
EPAYMENT_CASES = [
    ("off", {}, {}),
    (
        "children-without-parent-are-ignored",
        {"allow_online": True, "allow_credit_card": True},
        {},
    ),
    (
        "on-with-some",
        {"allow_epayments": True, "allow_online": True, "allow_credit_card": True},
        {
            "AllowIPNPayment": False,
            "AllowOnlinePayment": True,
            "AllowOnlineCreditCardPayment": True,
            "AllowOnlineACHPayment": False,
        },
    ),
    (
        "on-with-all",
        {
            "allow_epayments": True,
            "allow_ipn": True,
            "allow_online": True,
            "allow_credit_card": True,
            "allow_ach": True,
        },
        {
            "AllowIPNPayment": True,
            "AllowOnlinePayment": True,
            "AllowOnlineCreditCardPayment": True,
            "AllowOnlineACHPayment": True,
        },
    ),
]


@pytest.mark.parametrize(("opts", "flags"), [pytest.param(*c[1:], id=c[0]) for c in EPAYMENT_CASES])
def test_epayment_flags(mapper, opts, flags):
    body = mapper.body(mapper.tx("10013"), **opts)
    assert {k: v for k, v in body.items() if k.startswith("Allow")} == flags


def qbo_single_currency(info, prefs, entities):
    prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = False


# id, invoice, realm, options, edit(qbo), CurrencyRef sent (None = none), problem texts
CURRENCY_CASES = [
    ("home-currency-single-currency", "10013", "US", {}, None, None, None),
    (
        "foreign-currency-off-in-cwqbo",
        "10022",
        "US",
        {},
        None,
        None,
        (
            "is in CAD, the QBO home currency is USD and multi-currency is off in cwqbo",
            "Currency tab",
        ),
    ),
    (
        "foreign-currency-off-in-qbo",
        "10022",
        "US",
        {"multi_currency": True},
        None,
        None,
        (
            "multi-currency is off in QBO",
            "QBO › Settings › Account and settings › Advanced › Currency",
        ),
    ),
    ("foreign-currency-on", "10010", "CA", {"multi_currency": True}, None, "USD", None),
    ("home-currency-in-multi-currency-company", "10022", "CA", {}, None, "CAD", None),
    (
        "foreign-currency-qbo-single",
        "10010",
        "CA",
        {"multi_currency": True},
        qbo_single_currency,
        None,
        ("multi-currency is off in QBO",),
    ),
]


@pytest.mark.parametrize(
    ("number", "realm", "opts", "edit", "currency", "problem"),
    [pytest.param(*c[1:], id=c[0]) for c in CURRENCY_CASES],
)
def test_currency(mapper, number, realm, opts, edit, currency, problem):
    ref = mapper.make_ref(realm, edit)
    tx = mapper.tx(number)
    plan = mapper.plan(tx, realm, ref=ref, **opts)
    if problem:
        assert plan.entity is None
        for text in problem:
            assert text in mapper.text(plan)
        return
    body = mapper.body(tx, realm, ref=mapper.make_ref(realm, edit), **opts)
    assert body.get("CurrencyRef") == ({"value": currency} if currency else None)


def test_body_needs_its_needs_added_first(mapper):
    ref = mapper.make_ref("US")
    tx, customer = mapper.tx("10013"), mapper.customer(mapper.tx("10013"))
    settings = mapper.settings()
    plan = plan_invoice(tx, customer, ref, mapper.manage, settings)
    assert [n.entity for n in plan.needs] == ["Customer", "Item"]
    with pytest.raises(UnresolvedReference, match='Customer "Adventure Works Cycles"'):
        invoice_body(tx, customer, ref, mapper.manage, settings)
    preview = invoice_body(tx, customer, ref, mapper.manage, settings, placeholders=True)
    assert preview["CustomerRef"] == {"value": None, "name": "Adventure Works Cycles"}
    assert preview["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {
        "value": None,
        "name": "SSD-1TB",
    }


def test_body_of_an_invoice_with_problems(mapper):
    ref = mapper.make_ref("US")
    tx = mapper.tx("10027")  # Northwind Traders: held by a vendor
    customer = mapper.customer(tx)
    with pytest.raises(InvoiceNotReady) as caught:
        invoice_body(tx, customer, ref, mapper.manage, mapper.settings())
    assert "already a QBO vendor" in str(caught.value.problems[0])
    preview = invoice_body(tx, customer, ref, mapper.manage, mapper.settings(), placeholders=True)
    assert preview["CustomerRef"]["name"] == "Northwind Traders"


def test_needs_come_in_dependency_order(mapper):
    tx = mapper.tx("10013")
    tx.update(billingTermsXref="Net 60", dueDays=60, glClass="Orlando")
    for line in tx["detail"]:
        line["glClass"] = "Orlando"
    plan = mapper.plan(
        tx, use_classes=True, create_classes=True, use_locations=True, create_locations=True
    )
    assert [n.label for n in plan.needs] == [
        'Term "Net 60" (60 days)',
        'Class "Orlando"',
        'Location "Orlando"',
        'Customer "Adventure Works Cycles"',
        'Item "SSD-1TB" (NonInventory)',
    ]
