"""Manage company -> QBO Customer: names, collisions, currency, create bodies."""

from __future__ import annotations

import pytest


def rename(name):
    def vary(tx, customer):
        tx["company"]["name"] = name
        customer["company"]["name"] = name

    return vary


def nameless(tx, customer):
    for company in (tx["company"], customer["company"]):
        company["name"] = company["identifier"] = ""


def to_usd(tx, customer):
    tx["currency"] = {"id": 1, "currencyCode": "USD"}


CASES = [
    # id, invoice, realm, options, vary, expected DisplayName, Customer create body, problem
    ("existing-customer-used", "10026", "US", {}, None, "Contoso Ltd", None, None),
    (
        "missing-customer-created-with-terms",
        "10013",
        "US",
        {},
        None,
        "Adventure Works Cycles",
        {
            "DisplayName": "Adventure Works Cycles",
            "CompanyName": "Adventure Works Cycles",
            "SalesTermRef": {"value": "1"},
        },
        None,
    ),
    (
        "append-account-name",
        "10013",
        "US",
        {"append_account_name": True},
        None,
        "Adventure Works Cycles (ADVENTUR59)",
        {
            "DisplayName": "Adventure Works Cycles (ADVENTUR59)",
            "CompanyName": "Adventure Works Cycles",
        },
        None,
    ),
    (
        "append-uses-the-existing-plain-name",  # issue 13: names only new customers
        "10026",
        "US",
        {"append_account_name": True},
        None,
        "Contoso Ltd",
        None,
        None,
    ),
    (
        "vendor-holds-the-name",
        "10027",
        "US",
        {},
        None,
        "Northwind Traders",
        None,
        ('"Northwind Traders" is already a QBO vendor', "Name collision suffix", "Contacts tab"),
    ),
    (
        "vendor-collision-solved-by-append",
        "10027",
        "US",
        {"append_account_name": True},
        None,
        "Northwind Traders (NORTHWIN57)",
        {"DisplayName": "Northwind Traders (NORTHWIN57)"},
        None,
    ),
    (
        "employee-holds-the-name",
        "10013",
        "US",
        {},
        rename("Jane Doe"),
        "Jane Doe",
        None,
        ("already a QBO employee", "fault 6240"),
    ),
    (
        "inactive-customer",
        "10013",
        "US",
        {},
        rename("Old Client LLC"),
        "Old Client LLC",
        None,
        ('Customer "Old Client LLC" is inactive in QBO', "QBO › Sales › Customers"),
    ),
    (
        "colon-tab-and-spaces-cleaned",
        "10013",
        "US",
        {},
        rename(" Acme: West\tCo\n"),
        "Acme- West Co",
        {"DisplayName": "Acme- West Co", "CompanyName": "Acme- West Co"},
        None,
    ),
    (
        "name-longer-than-500",
        "10013",
        "US",
        {},
        rename("A" * 501),
        "A" * 501,
        None,
        ("longer than QBO's 500 characters", "Manage › Companies"),
    ),
    (
        "empty-name-falls-back-to-identifier",
        "10013",
        "US",
        {},
        rename(""),
        "AdventureWorks",
        {"DisplayName": "AdventureWorks"},
        None,
    ),
    (
        "no-company-name",
        "10013",
        "US",
        {},
        nameless,
        "",
        None,
        ("has no company name",),
    ),
    (
        "existing-customer-in-another-currency",
        "10022",
        "CA",
        {"multi_currency": True},
        to_usd,
        "Laurentide Inc.",
        None,
        ('QBO customer "Laurentide Inc." uses CAD, but invoice 10022 is in USD',),
    ),
    (
        "foreign-customer-created-with-currency",
        "10010",
        "CA",
        {"multi_currency": True},
        None,
        "Hillsborough Charter Schools",
        {"DisplayName": "Hillsborough Charter Schools", "CurrencyRef": {"value": "USD"}},
        None,
    ),
]


@pytest.mark.parametrize(
    ("number", "realm", "opts", "vary", "name", "create", "problem"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_customer_mapping(mapper, number, realm, opts, vary, name, create, problem):
    tx = mapper.tx(number)
    customer = mapper.customer(tx)
    if vary:
        vary(tx, customer)
    plan = mapper.plan(tx, realm, customer=customer, **opts)
    assert plan.customer_name == name
    customers = [n for n in plan.needs if n.entity == "Customer"]
    if create is None:
        assert customers == []
    else:
        assert [n.name for n in customers] == [name]
        assert customers[0].body.items() >= create.items()
        assert customers[0].label == f'Customer "{name}"'
        if "CurrencyRef" not in create:
            assert "CurrencyRef" not in customers[0].body
    if problem is None:
        assert plan.problems == [] and plan.entity == "Invoice"
    else:
        assert plan.entity is None
        for text in problem:
            assert text in mapper.text(plan)


def test_two_companies_wanting_one_new_name_in_a_batch(mapper):
    ref = mapper.make_ref("US")
    first = mapper.tx("10013")
    assert mapper.plan(first, ref=ref).problems == []
    other = mapper.tx("10029")  # another company (Austin Analytics)
    customer = mapper.customer(other)
    other["company"]["name"] = customer["company"]["name"] = "Adventure Works Cycles"
    plan = mapper.plan(other, ref=ref, customer=customer)
    assert "Two Manage companies" in mapper.text(plan)
    assert "Append account name" in mapper.text(plan)
    # The same company planned again (a retry) keeps its claim.
    assert mapper.plan(mapper.tx("10013"), ref=ref).problems == []


def test_customer_without_export_customer_row_uses_the_invoice(mapper):
    plan = mapper.plan(mapper.tx("10013"), customer=None, append_account_name=True)
    assert plan.customer_name == "Adventure Works Cycles (ADVENTUR59)"
    assert plan.problems == []
