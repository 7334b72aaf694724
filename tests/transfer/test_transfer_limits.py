"""QBO's limits checked before any write: names, amounts, lines per document, currency."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from cwqbo.transfer import limits as L

SSD = 'line 1 "Samsung 1TB SSD"'  # the one sales line of invoice 10013
MANAGE_INVOICE = "Manage › Finance › Invoice Search › the invoice"


def rename(name):
    def vary(tx, customer):
        tx["company"]["name"] = customer["company"]["name"] = name

    return vary


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        pytest.param("C" * 100, None, id="company-name-of-100-is-sent-whole"),
        pytest.param(
            "C" * 101,
            (
                "Company name (QBO customer CompanyName)",
                "has 101 characters; QBO allows at most 100.",
                "Shorten the company name in Manage to at most 100 characters",
                "Manage › Companies › Company › Finance",
            ),
            id="company-name-of-101-is-a-problem-not-cut",
        ),
    ],
)
def test_company_name_limit(mapper, name, problem):
    tx = mapper.tx("10013")
    customer = mapper.customer(tx)
    rename(name)(tx, customer)
    plan = mapper.plan(tx, customer=customer)
    if problem is None:
        assert plan.problems == [], mapper.text(plan)
        (need,) = [n for n in plan.needs if n.entity == "Customer"]
        assert need.body["CompanyName"] == name and need.body["DisplayName"] == name
        return
    assert plan.entity is None
    assert not [n for n in plan.needs if n.entity == "Customer"], "nothing is created"
    for text in problem:
        assert text in mapper.text(plan)


def test_a_long_company_name_with_an_existing_customer_needs_nothing(mapper):
    """QBO checks CompanyName on create only: an existing customer is used as it is."""
    long = "C" * 150

    def edit(info, prefs, entities):
        row = next(c for c in entities["Customer"] if c["DisplayName"] == "Contoso Ltd")
        row["DisplayName"] = long  # DisplayName may have up to 500 characters

    tx = mapper.tx("10026")  # Contoso Ltd, a QBO customer already
    customer = mapper.customer(tx)
    rename(long)(tx, customer)
    plan = mapper.plan(tx, ref=mapper.make_ref("US", edit), customer=customer)
    assert plan.problems == [] and plan.customer_name == long
    assert not [n for n in plan.needs if n.entity == "Customer"]


def long_parent(info, prefs, entities):
    """Give Income:Services a 95-character name; item "Projects" posts to another account."""
    for account in entities["Account"]:
        fqn = account["FullyQualifiedName"]
        if fqn.startswith("Income:Services"):
            account["FullyQualifiedName"] = fqn.replace("Income:Services", f"Income:{LONG}", 1)
    checking = next(a for a in entities["Account"] if a["FullyQualifiedName"] == "Checking")
    row = next((i for i in entities["Item"] if i["Name"] == "Projects"), None)
    if row is None:
        row = {"Id": "900", "Name": "Projects", "Type": "Service"}
        entities["Item"].append(row)
    row["IncomeAccountRef"] = {"value": checking["Id"]}


LONG = "S" * 95


def test_a_gl_account_item_name_is_never_cut_to_fit(mapper):
    account = f"Income:{LONG}:Projects"
    tx = mapper.tx("10002")
    for line in tx["detail"]:
        if line["accountNumber"] == "Income:Services:Projects":
            line["accountNumber"] = account
    plan = mapper.plan(tx, ref=mapper.make_ref("US", long_parent))
    text = mapper.text(plan)
    assert plan.entity is None
    assert f'No service item can be named for GL account "{account}"' in text
    assert "QBO items 'Projects' post to other income accounts" in text
    assert f"'Income - {LONG} - Projects' would be longer than QBO's 100 characters" in text
    assert "shorten the GL account name in Manage and QBO" in text
    cut = f"Income - {LONG}"[:100]
    assert all(n.name != cut for n in plan.needs), "no item under a cut name"


def one_line(total, **line_fields):
    """Invoice 10013 with its sales line's total (GL sign) and other fields replaced."""

    def vary(tx):
        tx["detail"][0].update(total=total, **line_fields)

    return vary


AMOUNT_CASES = [
    ("text", one_line("abc"), f"Invoice 10013: {SSD} amount 'abc' is not a number."),
    ("nan", one_line(float("nan")), f"{SSD} amount nan is not a number."),
    ("infinity", one_line(float("inf")), f"{SSD} amount inf is not a number."),
    ("a-boolean", one_line(True), f"{SSD} amount True is not a number."),
    (
        "ten-to-the-thirty",
        one_line(-1e30),
        f"{SSD} amount -1,000,000,000,000,000,000,000,000,000,000 is beyond what QBO can hold "
        "(at most 9,999,999,999.99, 10 digits before the decimal point).",
    ),
    ("ten-billion", one_line(-1e10), "-10,000,000,000 is beyond what QBO can hold"),
    ("a-googol", one_line("-1e100"), "-1.000E+100 is beyond what QBO can hold"),
    (
        "three-decimals",
        one_line("-645.005"),
        f"{SSD} amount -645.005 has 3 decimals; amounts are sent in cents (2 decimals).",
    ),
    ("quantity-text", one_line(-645.0, quantity="five"), f"{SSD} quantity 'five' is not a number"),
    ("price-huge", one_line(-645.0, itemPrice=1e12), f"{SSD} unit price 1,000,000,000,000 is"),
    (
        "invoice-total-text",
        lambda tx: tx.update(total="n/a"),
        "Invoice 10013: the invoice total 'n/a' is not a number.",
    ),
    (
        "sum-of-lines-too-large",
        lambda tx: (
            tx["detail"].insert(0, {**copy.deepcopy(tx["detail"][0]), "total": -6e9})
            or tx["detail"][1].update(total=-6e9)
        ),
        "the sum of its lines 12,000,000,000 is beyond what QBO can hold",
    ),
]


@pytest.mark.parametrize(("vary", "problem"), [pytest.param(*c[1:], id=c[0]) for c in AMOUNT_CASES])
def test_amounts_qbo_cannot_take_are_problems(mapper, vary, problem):
    tx = mapper.tx("10013")
    vary(tx)
    plan = mapper.plan(tx)
    assert plan.entity is None
    text = mapper.text(plan)
    assert problem in text
    assert MANAGE_INVOICE in text and "Correct it on the invoice in Manage" in text
    amount_problems = [p for p in plan.problems if p.where == MANAGE_INVOICE]
    assert len(amount_problems) == 1, "one bad amount is reported once"


def test_the_largest_amount_qbo_holds_is_sent_as_it_is(mapper):
    tx = mapper.tx("10013")
    tx["detail"] = [tx["detail"][0]]  # no tax line
    tx["detail"][0].update(total=-9999999999.99, quantity=-1, itemPrice=9999999999.99)
    tx.update(total=9999999999.99, taxable=False, salesTax=0)
    tx["detail"][0]["taxableFlag"] = False
    body = mapper.body(tx)
    (line,) = mapper.lines(body)
    assert Decimal(str(line["Amount"])) == L.AMOUNT_MAX
    assert line["SalesItemLineDetail"]["Qty"] == 1


def with_lines(count, *, taxable=True):
    def vary(tx):
        first = tx["detail"][0]
        tax = [ln for ln in tx["detail"] if ln["glTypeId"] == "ST"]
        tx["detail"] = [{**copy.deepcopy(first), "id": 500000 + n} for n in range(count)] + tax
        if not taxable:
            tx.update(taxable=False)
            for line in tx["detail"]:
                line["taxableFlag"] = False

    return vary


@pytest.mark.parametrize(
    ("count", "taxable", "detail", "problem"),
    [
        pytest.param(750, True, "detailed", None, id="750-lines-taxable-us"),
        pytest.param(
            751,
            True,
            "detailed",
            (
                "Invoice 10013 would have 751 lines in QBO; QBO takes at most 750 lines on a "
                "taxable US invoice.",
                "Choose Summary invoice detail for this batch",
                "cwqbo › Create Invoice Batch › Invoice detail, or Manage › Finance",
            ),
            id="751-lines-taxable-us",
        ),
        pytest.param(
            751,
            True,
            "summary",  # product lines stay one per Manage line in Summary too
            ("751 lines in QBO; QBO takes at most 750", "Split the invoice in Manage"),
            id="751-product-lines-summary",
        ),
        pytest.param(751, False, "detailed", None, id="751-lines-not-taxable"),
    ],
)
def test_lines_per_document(mapper, count, taxable, detail, problem):
    tx = mapper.tx("10013")
    with_lines(count, taxable=taxable)(tx)
    plan = mapper.plan(tx, invoice_detail=detail)
    if problem is None:
        assert plan.problems == [], mapper.text(plan)
        assert len(plan.lines) == count
        return
    assert plan.entity is None
    for text in problem:
        assert text in mapper.text(plan)


def test_more_than_ten_thousand_lines_on_any_document(mapper):
    tx = mapper.tx("10013")
    with_lines(L.LINES_MAX + 1, taxable=False)(tx)
    plan = mapper.plan(tx, invoice_detail="detailed")
    assert "QBO takes at most 10000 lines on one transaction." in mapper.text(plan)


def test_one_new_customer_cannot_take_two_currencies_in_a_batch(mapper):
    ref = mapper.make_ref("CA")
    usd = mapper.tx("10010")  # Hillsborough Charter Schools, USD, new in the CA company
    assert mapper.plan(usd, "CA", ref=ref, multi_currency=True).problems == []
    cad = copy.deepcopy(usd)
    cad.update(documentNumber="10010-CAD", currency={"id": 2, "currencyCode": "CAD"})
    plan = mapper.plan(cad, "CA", ref=ref, customer=mapper.customer(usd), multi_currency=True)
    text = mapper.text(plan)
    assert plan.entity is None
    assert (
        'Invoice 10010-CAD is in CAD, but the QBO customer "Hillsborough Charter Schools" this '
        "batch creates will use USD (invoice 10010)" in text
    )
    assert "QBO keeps one currency per customer" in text
    # The same currency again (another invoice of the company, or a re-plan) is fine.
    again = copy.deepcopy(usd)
    again["documentNumber"] = "10010-B"
    assert mapper.plan(again, "CA", ref=ref, multi_currency=True).problems == []


def test_ar_account_that_is_not_accounts_receivable(mapper):
    tx = mapper.tx("10013")
    tx["accountNumber"] = "Checking"
    text = mapper.text(mapper.plan(tx))
    assert "is a Bank account in QBO, not Accounts Receivable" in text
    assert "Point the Manage AR GL account at an Accounts Receivable account" in text


@pytest.mark.parametrize(
    ("value", "parsed"),
    [(1, Decimal(1)), ("12.50", Decimal("12.50")), (" 3 ", Decimal(3)), (0.1, Decimal("0.1"))]
    + [(bad, None) for bad in (None, "", "x", True, float("nan"), "-inf", "sNaN", [1], {})],
)
def test_number_reads_only_finite_numbers(value, parsed):
    assert L.number(value) == parsed
