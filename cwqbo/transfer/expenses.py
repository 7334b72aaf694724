"""Manage expenses → QBO Bills to the member's vendor (reimbursable) or Purchases (not).

A GLExportExpense carries the expense account, the AP account, the member and the total
but neither its row's id nor the classification or payment method, which only the
unposted row has: expense_export matches documents to rows and carries the row along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from cwqbo.connectwise import assumptions as CA
from cwqbo.connectwise.glexport import expense_record_ids
from cwqbo.transfer import header
from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context, dec, num, ref_to
from cwqbo.transfer.expense_export import UNPOSTED, match_expenses
from cwqbo.transfer.expense_parties import member_key, member_pair, vendor, vendor_names
from cwqbo.transfer.kind import Kind, Plan, RunContext

EXPENSES_TAB = P.CWQBO + "Expenses tab"
MANAGE_EXPENSE = "Manage › Time & Expense › Expense Entries › the expense"
PERSONAL = "Personal expense - not sent to QuickBooks"
# Payment method names (case-folded words) → QBO PaymentType, the option holding its account.
METHODS = (
    (("credit", "card", "visa", "amex", "mastercard"), "CreditCard", "credit_card_account_id"),
    (("check", "cheque"), "Check", "check_account_id"),
    (("cash",), "Cash", "cash_account_id"),
)
OPTION_LABEL = {
    "cash_account_id": "Cash paid from",
    "check_account_id": "Checks paid from",
    "credit_card_account_id": "Credit card paid from",
}
PAY_TYPES = {"Cash": ("Bank",), "Check": ("Bank",), "CreditCard": ("Credit Card",)}


@dataclass
class Draft:
    """Everything decided about one expense before QBO ids are filled in."""

    ctx: Context
    entity: str | None
    doc_number: str
    vendor: str = ""
    skip_reason: str | None = None
    txn_date: date | None = None
    account: str | None = None  # the expense line's account id
    ap_account: str | None = None  # Bill
    pay_type: str | None = None  # Purchase
    pay_account: str | None = None  # Purchase
    amount: Decimal = Decimal(0)
    currency: str | None = None
    department: str | None = None
    class_name: str | None = None


def row_of(doc: dict) -> dict:
    row = doc.get(UNPOSTED)
    return row if isinstance(row, dict) else {}


def draft(doc: dict, ctx: RunContext) -> Draft:
    """Map one exported expense, collecting problems and needs on the way."""
    c = Context(doc, None, ctx.qbo, ctx.manage, ctx.settings, noun="Expense")
    c.number = N.clean(row_of(doc).get("id") or doc.get("id"))
    out = Draft(c, None, f"E{N.clean(doc.get('id'))}")
    classification = N.clean(row_of(doc).get("classification")).casefold()
    if classification == "personal":
        out.skip_reason = PERSONAL
        return out
    out.txn_date = c.txn_date
    if c.txn_date is None:
        c.problem(
            f"Expense {c.number} has no readable date ({doc.get('documentDate')!r}).",
            "Check the expense date in Manage.",
            MANAGE_EXPENSE,
        )
    total = dec(doc.get("total"))
    if L.check_amount(c, doc.get("total"), "the expense total") and total < 0:
        c.problem(
            f"Expense {c.number} is negative ({total}); QBO bills and purchases cannot be.",
            "Correct the expense in Manage (a refund is entered in QBO by hand).",
            MANAGE_EXPENSE,
        )
    out.amount = abs(total)
    out.account = c.account_id(doc.get("accountNumber"), "the expense account")
    if classification == "reimbursable":
        _bill(c, doc, ctx, out)
    elif classification == "nonreimbursable":
        _purchase(c, out)
    else:
        c.problem(
            f"Expense {c.number} has classification {classification or 'none'!r}; cwqbo "
            "transfers Reimbursable and NonReimbursable expenses.",
            "Set the expense's classification in Manage.",
            MANAGE_EXPENSE,
        )
    currency = c.currency()
    if header.currency_ok(c, currency) and (
        currency != c.qbo.home_currency or c.qbo.multi_currency_enabled
    ):
        out.currency = currency
    _categories(c, out)
    return out


def _bill(c: Context, doc: dict, ctx: RunContext, out: Draft) -> None:
    out.entity = "Bill"
    if not c.settings.reimbursable_as_bills:
        c.problem(
            f"Expense {c.number} is reimbursable, but Reimbursable expenses as bills is off.",
            "Turn on Reimbursable expenses as bills on the Expenses tab.",
            EXPENSES_TAB,
        )
    out.vendor = vendor(c, doc, ctx.parties)
    out.ap_account = header.header_account(
        c, "apAccountNumber", "AP", "Accounts Payable", "the accounts payable (AP) account"
    )


def _purchase(c: Context, out: Draft) -> None:
    out.entity = "Purchase"
    if not c.settings.non_reimbursable_as_purchases:
        c.problem(
            f"Expense {c.number} is not reimbursable, but Non-reimbursable expenses as "
            "purchases is off.",
            "Turn on Non-reimbursable expenses as purchases on the Expenses tab.",
            EXPENSES_TAB,
        )
    method = N.ref_name(row_of(c.tx).get("paymentMethod"))
    words = method.casefold().replace("-", " ").split()
    found = next((m for m in METHODS if set(m[0]) & set(words)), None)
    if found is None:
        c.problem(
            f'Expense {c.number} is paid by "{method or "no payment method"}", which is not '
            "cash, check or credit card.",
            "Give the expense a cash, check or credit card payment method in Manage.",
            MANAGE_EXPENSE,
        )
        return
    _words, out.pay_type, option = found
    account_id = getattr(c.settings, option, None)
    row = c.qbo.get("Account", account_id)
    label = OPTION_LABEL[option]
    if not account_id or row is None or row.get("Active") is False:
        why = "no account is set" if not account_id else "its account is not active in QBO"
        c.problem(
            f'Expense {c.number} is paid by "{method}", but {why} for {label}.',
            f"Choose the account in {label} on the Expenses tab.",
            EXPENSES_TAB,
        )
        return
    if row.get("AccountType") not in PAY_TYPES[out.pay_type]:
        c.problem(
            f'Account "{row.get("Name")}" set for {label} is a {row.get("AccountType")} '
            f"account; a {out.pay_type} purchase is paid from "
            f"{' or '.join(PAY_TYPES[out.pay_type])}.",
            f"Choose another account in {label} on the Expenses tab.",
            EXPENSES_TAB,
        )
        return
    out.pay_account = str(row["Id"])


def _categories(c: Context, out: Draft) -> None:
    name = N.clean(c.tx.get("glClass"))
    if not name:
        return
    if c.settings.use_classes and header.tracking_on(c, "Class"):
        out.class_name = header.category(c, "Class", name)
    if c.settings.use_locations and header.tracking_on(c, "Department"):
        out.department = header.category(c, "Department", name)


def plan_expense(doc: dict, ctx: RunContext) -> Plan:
    """Validate one GLExportExpense and say what it needs. Writes nothing."""
    d = draft(doc, ctx)
    problems = P.unique(d.ctx.problems)
    line = {
        "description": _description(doc),
        "account": N.clean(doc.get("accountNumber")),
        "amount": num(d.amount),
        "class": d.class_name,
    }
    found = d.ctx.memo.get("match")  # how the member's vendor was matched (pairing.match)
    return Plan(
        entity=None if d.skip_reason or problems else d.entity,
        doc_number=d.doc_number,
        party_name=d.vendor,
        expected_total=d.amount,
        problems=problems,
        needs=[] if d.skip_reason else d.ctx.needs,
        skip_reason=d.skip_reason,
        lines=[] if d.skip_reason else [line],
        note=found.note if found is not None and found.how != "paired" else None,
        pair=member_pair(doc, ctx.parties) if found is not None else None,
    )


def _description(doc: dict) -> str:
    text = N.clean(doc.get("description") or doc.get("memo"))
    return text[: L.DESCRIPTION_MAX]  # a description is the one text QBO lets cwqbo shorten


def expense_body(doc: dict, ctx: RunContext, *, placeholders: bool = False) -> dict:
    """Return the QBO Bill/Purchase create body (after every need was qbo.add()-ed)."""
    d = draft(doc, ctx)
    if d.skip_reason:
        raise ValueError(f"Expense {d.ctx.number}: {d.skip_reason}")
    P.check_ready(d.ctx.problems, placeholders)

    def ref(entity: str, name: str | None) -> dict:
        return ref_to(ctx.qbo, entity, name, placeholders)

    detail: dict[str, Any] = {"AccountRef": {"value": d.account}}
    if d.class_name:
        detail["ClassRef"] = ref("Class", d.class_name)
    line = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": num(d.amount)}
    if _description(doc):
        line["Description"] = _description(doc)
    line["AccountBasedExpenseLineDetail"] = detail
    body: dict[str, Any] = {"DocNumber": d.doc_number}
    if d.txn_date:
        body["TxnDate"] = d.txn_date.isoformat()
    if d.entity == "Bill":
        body["VendorRef"] = ref("Vendor", d.vendor)
        body["APAccountRef"] = {"value": d.ap_account}
    else:
        body["PaymentType"] = d.pay_type
        body["AccountRef"] = {"value": d.pay_account}
    if d.currency:
        body["CurrencyRef"] = {"value": d.currency}
    if d.department:
        body["DepartmentRef"] = ref("Department", d.department)
    if not ctx.qbo.us:  # Manage puts an expense's tax in its own GL lines, not on this one
        body["GlobalTaxCalculation"] = "NotApplicable"
    body["PrivateNote"] = (
        f"ConnectWise Manage expense {d.ctx.number} (GL record {doc.get('id')}) of "
        f"{N.clean((doc.get('member') or {}).get('name'))}"
    )[:4000]
    body["Line"] = [line]
    return body


class ExpenseKind(Kind):
    """Manage expenses → QBO Bills (reimbursable) and Purchases (non-reimbursable)."""

    name = "expenses"
    noun = "Expense"
    export_flag = "exportExpensesFlag"
    export_ids_field = CA.EXPENSE_EXPORT_ID_FIELD
    entities = ("Bill", "Purchase")
    reference_label = "Load QuickBooks lists (accounts, vendors, classes, locations)"
    screen = "Manage › Finance › Accounting Interface › Unposted Expenses"
    document_screen = MANAGE_EXPENSE

    def documents_of(self, export: dict) -> list[dict]:
        return export.get("expenses") or []

    def parties_of(self, export: dict) -> dict:
        out = {}
        for vendor_row in export.get("vendors") or []:
            member = vendor_row.get("member") if isinstance(vendor_row, dict) else None
            if isinstance(member, dict) and member.get("id") is not None:
                out[str(member["id"])] = vendor_row
        return out

    def export_hint(self, export: dict) -> str | None:
        if export.get("expenseBills") and not export.get("expenses"):
            return (
                "Manage sent the expenses as bills: turn off Transfer Expenses as a Bill in "
                "Manage › System › Setup Tables › Accounting Package (cwqbo makes the bills)"
            )
        return None

    def match(self, manage: Any, part: dict[str, Any], documents: list[dict]) -> dict:
        def export_one(export_id: Any) -> list[dict]:
            return self.documents_of(manage.export_gl(self.name, [export_id]))

        return match_expenses(manage, part, documents, export_one)

    def names_needed(self, documents: list[dict], ctx: RunContext) -> tuple[set, set]:
        return vendor_names(documents, ctx), set()

    def plan(self, doc: dict, ctx: RunContext) -> Plan:
        return plan_expense(doc, ctx)

    def body(self, doc: dict, ctx: RunContext, *, placeholders: bool = False) -> dict:
        return expense_body(doc, ctx, placeholders=placeholders)

    def record_ids(self, doc: dict) -> list[int]:
        return expense_record_ids(doc)

    def batch_identifier(self, stored: str, doc: dict) -> str:
        """``YYYY-mm-dd-E<GLRecID><member id>``, the day being the one chosen at submit."""
        return f"{stored[:10]}-E{N.clean(doc.get('id'))}{member_key(doc)}"[:50]

    def label(self, tx: Any) -> str:
        member = (tx.export or {}).get("member") if tx.export else None
        name = N.clean(member.get("name")) if isinstance(member, dict) else ""
        return f"Expense {tx.number}" + (f" for {name}" if name else "")

    def shown_number(self, doc: dict, plan: Plan) -> str:
        return N.clean(row_of(doc).get("id")) or plan.doc_number

    def party(self, doc: dict) -> str:
        member = doc.get("member")
        return N.clean(member.get("name")) if isinstance(member, dict) else ""


EXPENSES = ExpenseKind()
