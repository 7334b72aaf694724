"""GL accounts by name (a:b:c sub-accounts, up to 5 levels), never created."""

from __future__ import annotations

import pytest

SIX = "Income:Services:Managed:Remote Support:After Hours:Weekend"
FIVE = "Income:Services:Managed:Remote Support:After Hours"


def line_account(name, index=0):
    def vary(tx):
        tx["detail"][index]["accountNumber"] = name

    return vary


def ar_account(name):
    def vary(tx):
        tx["accountNumber"] = name

    return vary


def give_number(entities):
    account = next(a for a in entities["Account"] if a["Name"] == "Projects")
    account["AcctNum"] = "4100"


def deactivate(full_name):
    def edit(info, prefs, entities):
        account = next(a for a in entities["Account"] if a["FullyQualifiedName"] == full_name)
        account["Active"] = False

    return edit


CASES = [
    # id, invoice, vary(tx), edit(qbo entities), problem texts (None = maps cleanly)
    ("five-level-sub-account-maps", "10011", line_account(FIVE, 1), None, None),
    ("case-insensitive-name", "10002", line_account("income:SERVICES:projects"), None, None),
    (
        "six-levels-is-a-problem",
        "10002",
        line_account(SIX),
        None,
        (
            f'GL account "{SIX}" has 6 levels; QBO allows sub-accounts up to 5 levels',
            "Manage › System › Setup Tables › GL Accounts",
        ),
    ),
    (
        "missing-line-account",
        "10002",
        line_account("Income:Foo"),
        None,
        (
            'GL account "Income:Foo" is not in the QBO chart of accounts.',
            "cwqbo never creates accounts",
            "QBO › Chart of accounts, or Manage › System › Setup Tables › GL Accounts",
        ),
    ),
    (
        "missing-ar-account",
        "10002",
        ar_account("Receivables:Trade"),
        None,
        ('GL account "Receivables:Trade" is not in the QBO chart of accounts.',),
    ),
    (
        "ar-account-of-another-type",
        "10002",
        ar_account("Checking"),
        None,
        ('"Checking" of invoice 10002\'s AR header is a Bank account in QBO',),
    ),
    (
        "empty-line-account",
        "10002",
        line_account(""),
        None,
        ('line 1 "Project work (Project Engineer)" has no GL account in Manage',),
    ),
    (
        "inactive-account",
        "10002",
        None,
        deactivate("Income:Services:Projects"),
        ("is not in the QBO chart of accounts (it is inactive).",),
    ),
    (
        "matched-by-account-number",
        "10002",
        line_account("4100"),
        lambda info, prefs, entities: give_number(entities),
        None,
    ),
]


@pytest.mark.parametrize(
    ("number", "vary", "edit", "problem"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_gl_accounts(mapper, number, vary, edit, problem):
    tx = mapper.tx(number)
    if vary:
        vary(tx)
    plan = mapper.plan(tx, ref=mapper.make_ref("US", edit))
    if problem is None:
        assert plan.problems == [], mapper.text(plan)
    else:
        assert plan.entity is None
        for text in problem:
            assert text in mapper.text(plan)


def test_ar_account_is_sent_and_line_accounts_become_item_income_accounts(mapper):
    ref = mapper.make_ref("US")
    body = mapper.body(mapper.tx("10002"), ref=ref)
    assert body["ARAccountRef"] == {"value": ref.account("Accounts Receivable")["Id"]}
    projects = ref.find("Item", "Projects")  # the GL-account service item just "created"
    assert projects["IncomeAccountRef"] == {"value": ref.account("Income:Services:Projects")["Id"]}


def test_a_missing_account_is_reported_once_per_invoice(mapper):
    tx = mapper.tx("10053")  # two After Hours lines on one account
    for line in tx["detail"]:
        if line["glTypeId"] == "R":
            line["accountNumber"] = "Income:Gone"
    plan = mapper.plan(tx)
    assert sum("Income:Gone" in p.message for p in plan.problems) == 1
