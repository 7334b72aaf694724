"""Expense mapping, table-driven over the sample (US and CA realms), bodies checked by the XSDs."""

from __future__ import annotations

import copy

import pytest
import xmlschema

from cwqbo.sandbox.connectwise.exporter import build_export
from cwqbo.transfer import ManageReference, TransferSettings
from cwqbo.transfer.expenses import EXPENSES, UNPOSTED
from cwqbo.transfer.kind import RunContext
from tests.transfer.test_transfer_xsd import XSD, validate

PAYERS = {"cash": "Petty Cash", "check": "Checking", "credit_card": "Company Visa"}
BILL, PURCHASE = "55102", "55103"  # zadmin reimbursable (Credit Card); non-reimbursable


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture(scope="module")
def expenses(cw_sample) -> tuple[dict[str, dict], dict]:
    """({row id: exported expense with its unposted row}, the export) of the sample."""
    docs = cw_sample["unpostedExpenses"]
    export = build_export(cw_sample, {"expenses": docs})
    out = {}
    for doc, exported in zip(docs, export["expenses"], strict=True):
        out[str(doc["record"]["id"])] = {**exported, UNPOSTED: doc["record"]}
    return out, export


class ExpenseMapper:
    def __init__(self, expenses, cw_sample, make_ref):
        self.docs, self.export = expenses
        self.manage = ManageReference(copy.deepcopy(cw_sample["glAccounts"]))
        self.make_ref = make_ref

    def doc(self, row_id: str, **changes) -> dict:
        doc = copy.deepcopy(self.docs[row_id])
        for key, value in changes.items():
            if key.startswith("row_"):
                doc[UNPOSTED][key[4:]] = value
            else:
                doc[key] = value
        return doc

    def ctx(self, realm="US", edit=None, skip=(), **options) -> RunContext:
        ref = self.make_ref(realm, edit)
        accounts = {a["Name"]: str(a["Id"]) for a in ref.rows("Account")}
        ids = {f"{k}_account_id": accounts[v] for k, v in PAYERS.items() if k not in skip}
        settings = TransferSettings(**{**ids, **options})
        return RunContext(ref, self.manage, EXPENSES.parties_of(self.export), settings)


@pytest.fixture
def m(expenses, cw_sample, make_ref) -> ExpenseMapper:
    return ExpenseMapper(expenses, cw_sample, make_ref)


def texts(plan) -> str:
    return " ".join(f"{p.message} {p.fix} {p.where}" for p in plan.problems)


def cad(doc: dict) -> dict:
    doc["currency"] = {"id": 2, "currencyCode": "CAD"}
    return doc


# id, row, realm, doc changes, options, entity, party, body checks
SENT = [
    ("us-bill", BILL, "US", {}, {}, "Bill", "Zach Admin"),
    ("us-bill-appended", BILL, "US", {}, {"append_account_name": True}, "Bill",
     "Zach Admin (EMP-ZADMIN)"),
    ("us-purchase-credit-card", PURCHASE, "US", {}, {}, "Purchase", ""),
    ("us-purchase-cash", PURCHASE, "US", {"row_paymentMethod": {"id": 1, "name": "Cash"}}, {},
     "Purchase", ""),
    ("us-purchase-check", PURCHASE, "US", {"row_paymentMethod": {"id": 2, "name": "Check"}}, {},
     "Purchase", ""),
    ("us-classes-and-locations", BILL, "US", {},
     {"use_classes": True, "create_classes": True, "use_locations": True,
      "create_locations": True}, "Bill", "Zach Admin"),
    ("ca-bill", BILL, "CA", {"cad": True}, {}, "Bill", "Zach Admin"),
    ("ca-purchase", PURCHASE, "CA", {"cad": True}, {}, "Purchase", ""),
]  # fmt: skip
PAY_TYPE = {"Company Credit Card": "CreditCard", "Cash": "Cash", "Check": "Check"}
PAYER_OF = {"CreditCard": "Company Visa", "Cash": "Petty Cash", "Check": "Checking"}


@pytest.mark.parametrize(
    ("row", "realm", "changes", "options", "entity", "party"),
    [pytest.param(*case[1:], id=case[0]) for case in SENT],
)
def test_expenses_map_to_bills_and_purchases(
    m, schema, row, realm, changes, options, entity, party
):
    changes = dict(changes)
    doc = m.doc(row, **{k: v for k, v in changes.items() if k != "cad"})
    if changes.get("cad"):
        cad(doc)
    ctx = m.ctx(realm, **options)
    plan = EXPENSES.plan(doc, ctx)
    assert plan.problems == [], texts(plan)
    assert (plan.entity, plan.party_name) == (entity, party)
    assert plan.doc_number == f"E{doc['id']}"
    for need in plan.needs:
        assert validate(schema, need.entity, need.body) == [], need.label
        ctx.qbo.add(need.entity, {**need.body, "Id": f"new-{need.name}"})
    body = EXPENSES.body(doc, ctx)
    assert validate(schema, entity, body) == []
    assert body["DocNumber"] == plan.doc_number and body["TxnDate"] == doc["documentDate"][:10]
    (line,) = body["Line"]
    detail = line["AccountBasedExpenseLineDetail"]
    account = ctx.qbo.get("Account", detail["AccountRef"]["value"])
    assert account["FullyQualifiedName"] == doc["accountNumber"]
    assert line["Amount"] == doc["total"] == float(plan.expected_total)
    if entity == "Bill":
        vendor = next(n for n in plan.needs if n.entity == "Vendor")
        assert vendor.body["DisplayName"] == party
        assert vendor.body["CompanyName"] == "EMP-ZADMIN"  # the member's Vendor Nbr
        assert body["VendorRef"]["name"] == party
        ap = ctx.qbo.get("Account", body["APAccountRef"]["value"])
        assert ap["AccountType"] == "Accounts Payable"
    else:
        pay_type = PAY_TYPE[doc[UNPOSTED]["paymentMethod"]["name"]]
        assert body["PaymentType"] == pay_type
        assert ctx.qbo.get("Account", body["AccountRef"]["value"])["Name"] == PAYER_OF[pay_type]
        assert "EntityRef" not in body
    if options.get("use_classes"):
        assert detail["ClassRef"]["name"] == doc["glClass"]
        assert body["DepartmentRef"]["name"] == doc["glClass"]
        assert "Class" in {n.entity for n in plan.needs}  # the location exists in QBO
    else:
        assert "ClassRef" not in detail and "DepartmentRef" not in body
    assert ("GlobalTaxCalculation" in body) == (realm == "CA")


# id, row, doc changes, options, skip payers, expected words in the problem
PROBLEMS = [
    ("member-without-vendor-number", BILL, {"vendorNumber": "", "no_party": True}, {}, (),
     ["Member Zach Admin has no Vendor Nbr", "System › Members"]),
    ("name-held-by-an-employee", "55101", {"employee": True}, {}, (),
     ['"Jane Doe" is already a QBO employee', "Name collision suffix"]),
    ("missing-credit-card-account", PURCHASE, {}, {}, ("credit_card",),
     ["no account is set for Credit card paid from", "Expenses tab"]),
    ("missing-cash-account", PURCHASE, {"row_paymentMethod": {"id": 1, "name": "Cash"}}, {},
     ("cash",), ["Cash paid from", "Expenses tab"]),
    ("unknown-payment-method", PURCHASE, {"row_paymentMethod": {"id": 9, "name": "Wire"}}, {},
     (), ['paid by "Wire"', "cash, check or credit card"]),
    ("gl-account-not-in-qbo", BILL, {"accountNumber": "Expenses:Nowhere"}, {}, (),
     ['GL account "Expenses:Nowhere" is not in the QBO chart of accounts']),
    ("bills-turned-off", BILL, {}, {"reimbursable_as_bills": False}, (),
     ["Reimbursable expenses as bills is off", "Expenses tab"]),
    ("purchases-turned-off", PURCHASE, {}, {"non_reimbursable_as_purchases": False}, (),
     ["Non-reimbursable expenses as purchases is off"]),
    ("negative", BILL, {"total": -5.0}, {}, (), ["is negative"]),
    ("no-classification", BILL, {"row_classification": None}, {}, (),
     ["classification 'none'"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "changes", "options", "skip", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in PROBLEMS],
)
@pytest.mark.parametrize("realm", ["US", "CA"])
def test_problems_name_the_fix_and_nothing_is_planned(m, row, changes, options, skip, words, realm):
    changes = dict(changes)
    no_party = changes.pop("no_party", False)
    employee = changes.pop("employee", False)
    doc = cad(m.doc(row, **changes)) if realm == "CA" else m.doc(row, **changes)

    def hire(_info, _prefs, entities):  # the US sample has employee Jane Doe; CA gets one
        if employee and not entities.get("Employee"):
            entities["Employee"] = [{"Id": "40", "DisplayName": "Jane Doe"}]

    ctx = m.ctx(realm, edit=hire, skip=skip, **options)
    if no_party:
        ctx.parties = {k: {**v, "vendorNumber": ""} for k, v in ctx.parties.items()}
    plan = EXPENSES.plan(doc, ctx)
    assert plan.entity is None and plan.problems
    for word in words:
        assert word in texts(plan), texts(plan)
    for problem in plan.problems:
        assert problem.message and problem.fix and problem.where
    with pytest.raises(ValueError):
        EXPENSES.body(doc, ctx)


def test_a_payer_of_the_wrong_type_is_refused(m):
    ctx = m.ctx()
    ctx.settings.credit_card_account_id = ctx.settings.check_account_id  # a bank account
    plan = EXPENSES.plan(m.doc(PURCHASE), ctx)
    assert "a CreditCard purchase is paid from Credit Card" in texts(plan)


def test_a_foreign_currency_expense_needs_multi_currency(m):
    plan = EXPENSES.plan(m.doc(BILL), m.ctx("CA"))  # the sample's expenses are in USD
    assert "is in USD, the QBO home currency is CAD" in texts(plan)


def test_personal_expenses_are_batched_but_not_sent(m):
    plan = EXPENSES.plan(m.doc(BILL, row_classification="Personal"), m.ctx())
    assert plan.skip_reason == "Personal expense - not sent to QuickBooks"
    assert plan.entity is None and not plan.needs and not plan.problems


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ({"id": 8, "identifier": "Z Admin", "name": "Z Admin"}, "2020-01-01-E123zadmin"),
        ({"id": 8, "identifier": "zadmin", "name": "Zach Admin"}, "2020-01-01-E123zadmin"),
        ({"id": 7, "identifier": "", "name": "Jane Doe"}, "2020-01-01-E123janedoe"),
    ],
)
def test_the_batch_id_is_the_date_the_gl_record_and_the_member(member, expected):
    doc = {"id": 123, "member": member}
    assert EXPENSES.batch_identifier("2020-01-01-E55101", doc) == expected


def test_the_same_vendor_is_asked_for_once_per_batch_and_two_members_cannot_share_it(m):
    ctx = m.ctx()
    first = EXPENSES.plan(m.doc(BILL), ctx)
    again = EXPENSES.plan(m.doc("55108"), ctx)  # zadmin again
    assert [n.name for n in first.needs] == [n.name for n in again.needs] == ["Zach Admin"]
    other = m.doc("55101", member={"id": 99, "identifier": "zadmin2", "name": "Zach Admin"})
    other["vendorNumber"] = "EMP-OTHER"
    plan = EXPENSES.plan(other, ctx)
    assert 'Vendor "Zach Admin" would be created for both' in texts(plan)


class BillsExport:
    """A Manage whose Accounting Package sends expenses as bills (seed 001 says: turn it off)."""

    def export_ids_for(self, kind, keys):
        return {k: int(k) + 1000 for k in keys}

    def export_gl(self, kind, ids, **kw):
        return {"expenses": [], "expenseBills": [{"id": 1, "detail": [{"id": [5]}]}]}


def test_expenses_sent_as_bills_fail_naming_the_manage_setting():
    from cwqbo.transfer.steps import read_export

    found, _parties, shortfall = read_export(BillsExport(), EXPENSES, ["55101", "55102"])
    assert found == {} and shortfall.missing == ("55101", "55102")
    assert "turn off Transfer Expenses as a Bill" in str(shortfall)
    assert "Accounting Package" in str(shortfall)


class TwoExpenses:
    """Rows and exported expenses by hand: how an export of several is told apart."""

    def __init__(self, rows, documents):
        self.rows, self.documents, self.singles = rows, documents, []

    def iter_unposted(self, kind, conditions):
        return iter(self.rows)

    def export_gl(self, kind, ids, **kw):
        self.singles.append(ids)
        return {"expenses": [self.documents[ids[0]]]}


def _row(row_id, member, total):
    return {"id": row_id, "member": {"id": member}, "dateExpense": "2025-05-01T00:00:00Z",
            "total": total}  # fmt: skip


def _doc(gl_id, member, total):
    return {"id": gl_id, "member": {"id": member}, "documentDate": "2025-05-01", "total": total}


def test_an_export_of_several_expenses_is_matched_by_member_date_and_amount():
    docs = {1: _doc(900, 7, 42.5), 2: _doc(901, 8, 42.5)}
    manage = TwoExpenses([_row(1, 7, 42.50), _row(2, 8, 42.5)], docs)
    found = EXPENSES.match(manage, {"1": 1, "2": 2}, [docs[2], docs[1]])
    assert {k: d["id"] for k, d in found.items()} == {"1": 900, "2": 901}
    assert found["1"][UNPOSTED]["id"] == 1 and manage.singles == []
    # Two rows alike in member, date and amount: each is exported again on its own.
    docs = {1: _doc(900, 7, 42.5), 2: _doc(901, 7, 42.5)}
    manage = TwoExpenses([_row(1, 7, 42.5), _row(2, 7, 42.5)], docs)
    found = EXPENSES.match(manage, {"1": 1, "2": 2}, list(docs.values()))
    assert {k: d["id"] for k, d in found.items()} == {"1": 900, "2": 901}
    assert manage.singles == [[1], [2]]
