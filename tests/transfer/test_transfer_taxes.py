"""Tax codes: explicit mappings, xref matching, level checks, US TAX/NON, global per-line codes."""

from __future__ import annotations

import pytest

TAXES_TAB = "cwqbo › QuickBooks configuration › Taxes tab"
MANAGE_TAX = "Manage › System › Setup Tables › Tax Codes"


def code_id(ref, name):
    return ref.find("TaxCode", name)["Id"]


def rename_code(name, xrefs=None):
    def vary(tx, customer):
        tx["taxCode"]["name"] = name
        if xrefs:
            for level, xref in zip(tx["taxLevels"], xrefs, strict=True):
                level["taxCodeXref"] = xref
            for level, xref in zip(customer["taxLevels"], xrefs, strict=True):
                level["taxCodeXref"] = xref

    return vary


def customer_rate(level, rate):
    def vary(tx, customer):
        next(lv for lv in customer["taxLevels"] if lv["taxLevel"] == level)["taxRate"] = rate

    return vary


def extra_level(tx, customer):
    tx["taxLevels"].append({"taxLevel": 3, "taxCodeXref": "Tampa City", "taxAmount": 0})


def no_tax_code(tx, customer):
    del tx["taxCode"]


def exempt_code(tx, customer):
    tx["taxCode"] = {"id": 1, "name": "EXEMPT"}
    tx["taxLevels"] = [{"taxLevel": 1, "taxCodeXref": "Exempt", "taxAmount": 0}]
    customer["taxCode"] = {"id": 1, "name": "EXEMPT"}
    customer["taxLevels"] = [{"taxLevel": 1, "taxCodeXref": "Exempt", "taxRate": 0.0}]


def sales_tax_off(info, prefs, entities):
    prefs["TaxPrefs"]["UsingSalesTax"] = False


# Plan-level cases: id, invoice, realm, options, vary(tx, customer), edit(qbo), problem texts
PROBLEM_CASES = [
    (
        "unmapped-tax-code",
        "10018",
        "US",
        {},
        rename_code("FL-PINELLAS", ["FL State", "Pinellas County"]),
        None,
        (
            'Manage tax code "FL-PINELLAS" (level 1 "FL State" 6 %, level 2 "Pinellas County" '
            "1.5 %) has no matching QBO tax code.",
            "cwqbo never creates tax codes",
            f'{MANAGE_TAX} ("Tax Code Xref"), or {TAXES_TAB}',
        ),
    ),
    (
        "level-rate-differs",
        "10018",
        "US",
        {},
        customer_rate(2, 0.02),
        None,
        (
            'Manage tax code "FL-HILLS" and QBO tax code "FL-HILLS" have different levels: '
            'level 2 "Hillsborough County" is 2 % in Manage but 1.5 % in QBO.',
            "Manage 0.06 = QBO 6 %",
        ),
    ),
    (
        "level-count-differs",
        "10018",
        "US",
        {},
        extra_level,
        None,
        (
            "Manage has 3 level(s), QBO has 2 rate(s)",
            'Manage level 3 "Tampa City" is not a rate of the QBO code',
        ),
    ),
    (
        "explicit-mapping-to-a-missing-code",
        "10018",
        "US",
        {"tax_mappings": {"2": "999"}},
        None,
        None,
        ("mapped to QBO tax code id 999, which does not exist or is inactive", TAXES_TAB),
    ),
    (
        "taxable-lines-without-a-tax-code",
        "10018",
        "US",
        {},
        no_tax_code,
        None,
        ("has taxable lines but no tax code in Manage",),
    ),
    (
        "sales-tax-off-in-qbo",
        "10018",
        "US",
        {},
        None,
        sales_tax_off,
        ("charges sales tax, but sales tax is turned off in QBO",),
    ),
    (
        "global-non-taxable-line-without-exempt-code",
        "10005",
        "CA",
        {"exempt_tax_code_id": None},
        None,
        None,
        ("has non-taxable lines, but no exempt sales tax code is chosen", TAXES_TAB),
    ),
    (
        "global-exempt-code-gone",
        "10005",
        "CA",
        {"exempt_tax_code_id": "999"},
        None,
        None,
        ("The exempt sales tax code (QBO tax code id 999) does not exist",),
    ),
]


@pytest.mark.parametrize(
    ("number", "realm", "opts", "vary", "edit", "problem"),
    [pytest.param(*c[1:], id=c[0]) for c in PROBLEM_CASES],
)
def test_tax_problems(mapper, number, realm, opts, vary, edit, problem):
    tx = mapper.tx(number)
    customer = mapper.customer(tx)
    if vary:
        vary(tx, customer)
    plan = mapper.plan(tx, realm, ref=mapper.make_ref(realm, edit), customer=customer, **opts)
    assert plan.entity is None
    for text in problem:
        assert text in mapper.text(plan)


# Body-level cases: id, invoice, realm, options, vary, line codes by item ("EXEMPT" = that
# code's id), the header TxnTaxCodeRef (US) by code name, or None for none
BODY_CASES = [
    ("us-taxable-line", "10013", "US", {}, None, {"SSD-1TB": "TAX"}, "TX"),
    (
        "us-taxable-invoice-without-taxable-lines",
        "10008",
        "US",
        {},
        None,
        {"Managed Services": "NON"},
        "FL-HILLS",
    ),
    ("us-exempt-invoice-non-taxable", "10010", "US", {}, None, {"BENCH-HR": "NON"}, None),
    (
        "us-mixed-lines",
        "10031",
        "US",
        {},
        None,
        {"M365-BP": "NON", "FW-TZ370": "TAX", "Remote Support": "NON", "M365-EXO": "NON"},
        "TX",
    ),
    ("us-exempt-customer", "10017", "US", {}, None, {"AV-ENDPOINT": "TAX"}, "EXEMPT"),
    (
        "matched-by-rate-names",
        "10018",
        "US",
        {},
        rename_code("FLORIDA"),
        {"BACKUP-SVR": "TAX"},
        "FL-HILLS",
    ),
    (
        "explicit-mapping-wins",
        "10018",
        "US",
        {"tax_mappings": {"2": "TX"}},
        None,
        {"BACKUP-SVR": "TAX"},
        "TX",
    ),
    (
        "explicit-mapping-skips-level-check",
        "10018",
        "US",
        {"tax_mappings": {"2": "FL-HILLS"}},
        customer_rate(2, 0.02),
        {"BACKUP-SVR": "TAX"},
        "FL-HILLS",
    ),
    (
        "us-ignores-tax-exempt-items",
        "10013",
        "US",
        {"tax_exempt_items": ("SSD-1TB",)},
        None,
        {"SSD-1TB": "TAX"},
        "TX",
    ),
    (
        "global-every-line-has-a-code",
        "10005",
        "CA",
        {},
        None,
        {"AV-ENDPOINT": "QC-GST-QST", "DOCK-USB-C": "QC-GST-QST", "BENCH-HR": "EXEMPT"},
        None,
    ),
    (
        "global-tax-exempt-items",
        "10005",
        "CA",
        {"tax_exempt_items": ("av-endpoint",)},
        None,
        {"AV-ENDPOINT": "EXEMPT", "DOCK-USB-C": "QC-GST-QST", "BENCH-HR": "EXEMPT"},
        None,
    ),
    (
        "global-exempt-customer-uses-its-own-code",
        "10022",
        "CA",
        {"exempt_tax_code_id": None},
        exempt_code,
        {"Managed Services": "EXEMPT"},
        None,
    ),
]


@pytest.mark.parametrize(
    ("number", "realm", "opts", "vary", "codes", "txn_code"),
    [pytest.param(*c[1:], id=c[0]) for c in BODY_CASES],
)
def test_tax_codes_in_the_body(mapper, number, realm, opts, vary, codes, txn_code):
    ref = mapper.make_ref(realm)
    opts = {
        k: {m: code_id(ref, q) for m, q in v.items()} if k == "tax_mappings" else v
        for k, v in opts.items()
    }
    tx = mapper.tx(number)
    customer = mapper.customer(tx)
    if vary:
        vary(tx, customer)
    body = mapper.body(tx, realm, ref=ref, customer=customer, **opts)
    got = {
        ln["SalesItemLineDetail"]["ItemRef"]["name"]: ln["SalesItemLineDetail"]["TaxCodeRef"][
            "value"
        ]
        for ln in mapper.lines(body)
    }
    want = {k: v if v in ("TAX", "NON") else code_id(ref, v) for k, v in codes.items()}
    assert got == want
    if ref.us:
        assert "GlobalTaxCalculation" not in body
        if txn_code is None:
            assert "TxnTaxDetail" not in body
        else:
            assert body["TxnTaxDetail"] == {"TxnTaxCodeRef": {"value": code_id(ref, txn_code)}}
    else:
        assert body["GlobalTaxCalculation"] == "TaxExcluded" and "TxnTaxDetail" not in body


def test_rates_come_from_the_tax_lines_without_a_customer_row(mapper):
    tx = mapper.tx("10018")
    assert mapper.plan(tx, customer=None).problems == []
    for line in tx["detail"]:
        if line["glTypeId"] == "ST" and line["taxCodeXref"] == "FL State":
            line["taxRate"] = 0.065
    plan = mapper.plan(tx, customer=None)
    assert 'level 1 "FL State" is 6.5 % in Manage but 6 % in QBO' in mapper.text(plan)


def test_sales_tax_off_sends_no_tax_fields(mapper):
    body = mapper.body(mapper.tx("10008"), ref=mapper.make_ref("US", sales_tax_off))
    assert "TxnTaxDetail" not in body
    assert all("TaxCodeRef" not in ln["SalesItemLineDetail"] for ln in body["Line"])


def test_tax_code_is_checked_only_for_taxable_invoices(mapper):
    """A non-taxable invoice (header and lines) needs no QBO tax code; a taxable one does."""
    tx = mapper.tx("10010")  # exempt school: header not taxable, one non-taxable line
    tx["taxCode"] = {"id": 77, "name": "NOWHERE"}
    tx["taxLevels"] = [{"taxLevel": 1, "taxCodeXref": "Nowhere State"}]
    assert mapper.plan(tx).problems == []
    tx["taxable"] = True  # taxable invoice: checked even though no line is taxed (spec D3)
    assert 'Manage tax code "NOWHERE"' in mapper.text(mapper.plan(tx))
