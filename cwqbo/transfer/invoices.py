"""One Manage GL-export invoice: what it needs in QBO, what is wrong with it, its QBO body."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from cwqbo.connectwise import assumptions as CA
from cwqbo.connectwise.glexport import invoice_record_ids
from cwqbo.transfer import assumptions as A
from cwqbo.transfer import header, lines, shape, taxes
from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import (
    Context,
    Needed,
    UnresolvedReference,
    dec,
    num,
    parse_date,
    ref_to,
)
from cwqbo.transfer.kind import Kind, Plan, RunContext
from cwqbo.transfer.reference import ManageReference, QBOReference
from cwqbo.transfer.settings import TransferSettings

__all__ = [
    "NO_LINES",
    "InvoiceNotReady",
    "InvoicePlan",
    "Needed",
    "UnresolvedReference",
    "invoice_body",
    "plan_invoice",
]

NO_LINES = "Invoice has no lines - not sent to QuickBooks"
AR_TYPE = "Accounts Receivable"


InvoiceNotReady = P.NotReady  # the name the package exports (any kind raises it)


# The plan of an invoice is the runner's generic plan (kind.py); the old name stays.
InvoicePlan = Plan


@dataclass
class Draft:
    """Everything decided about one document before QBO ids are filled in."""

    ctx: Context
    entity: str | None
    customer_name: str = ""
    skip_reason: str | None = None
    txn_date: date | None = None
    due_date: date | None = None
    term: str | None = None
    ar_account: str | None = None
    currency: str | None = None  # the CurrencyRef to send, if any
    department: str | None = None
    header_class: str | None = None
    txn_tax_code: str | None = None
    lines: list[lines.LineDraft] = field(default_factory=list)


def is_credit(tx: dict) -> bool:
    """Tell whether a Manage document is a credit memo (QBO refuses negative invoices)."""
    kinds = (tx.get("documentType"), tx.get("billingType"), tx.get("invoiceType"))
    flat = {str(k or "").replace(" ", "").replace("_", "").casefold() for k in kinds}
    return bool(flat & set(A.CREDIT_MEMO_TYPES)) or dec(tx.get("total")) < 0


def document_sign(tx: dict) -> Decimal:
    """Return the factor from GL amounts to document amounts (the document total positive)."""
    total = dec(tx.get("total"))
    if total:
        return Decimal(-1) if total > 0 else Decimal(1)
    return Decimal(1) if is_credit(tx) else Decimal(-1)


def draft(
    tx: dict,
    customer: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
) -> Draft:
    """Map one exported invoice, collecting problems and needs on the way."""
    ctx = Context(tx, customer, qbo, manage, settings)
    credit = is_credit(tx)
    if not lines.detail_lines(tx):
        name = N.customer_display_name(tx, customer, settings.append_account_name)
        return Draft(ctx, None, customer_name=name, skip_reason=NO_LINES)
    out = Draft(ctx, "CreditMemo" if credit else "Invoice", txn_date=ctx.txn_date)
    _check_number(ctx)
    if ctx.txn_date is None:
        ctx.problem(
            f"Invoice {ctx.number} has no readable date ({tx.get('documentDate')!r}).",
            "Check the invoice date in Manage.",
            P.MANAGE_INVOICE,
        )
    currency = ctx.currency()
    foreign_ok = header.currency_ok(ctx, currency)
    if foreign_ok and (currency != qbo.home_currency or qbo.multi_currency_enabled):
        out.currency = currency
    out.customer_name = header.customer(ctx, currency, foreign_ok)
    company = N.company_name(tx, customer)
    if N.no_colon(company) in out.customer_name:  # the name cwqbo derived, not a paired one
        _say(ctx, N.colon_change("Customer", company, N.no_colon(company)))
    if not credit:  # a credit memo has nothing due
        out.term = header.term(ctx)
        out.due_date = parse_date(tx.get("dueDate"))
    out.ar_account = header.header_account(
        ctx, "accountNumber", "AR", AR_TYPE, "the accounts receivable (AR) header"
    )
    taxes.check_sales_tax_on(ctx)
    out.lines = lines.build(ctx, document_sign(tx))
    _categories(ctx, out)
    taxable = bool(tx.get("taxable")) or any(ln.get("taxableFlag") for ln in tx.get("detail") or [])
    if qbo.using_sales_tax and taxable:  # validated even when no line is taxed (spec D3)
        code = taxes.invoice_code(ctx)
        out.txn_tax_code = code if qbo.us else None
    _check_size(ctx, out)
    return out


def _say(ctx: Context, change: str | None) -> None:
    if change:
        ctx.changed(change)


def _check_size(ctx: Context, out: Draft) -> None:
    """Check the document against QBO's amount and line limits (limits.py)."""
    if all(L.amount_problem(ln.get("total")) is None for ln in lines.detail_lines(ctx.tx)):
        # Only when every line is readable: one bad line is reported once, on its line.
        if L.check_amount(ctx, ctx.tx.get("total"), "the invoice total"):
            if not ctx.settings.detailed:
                for n, merged in enumerate(out.lines, start=1):
                    L.check_amount(ctx, merged.amount, f'summary line {n} "{merged.description}"')
            L.check_amount(ctx, sum(d.amount for d in out.lines), "the sum of its lines")
    qbo = ctx.qbo
    taxable_us = (
        qbo.us
        and qbo.using_sales_tax
        and (out.txn_tax_code is not None or any(d.tax == "TAX" for d in out.lines))
    )
    L.check_line_count(ctx, len(out.lines), taxable_us, ctx.settings.detailed)


def _check_number(ctx: Context) -> None:
    if not ctx.number:
        ctx.problem(
            "An exported invoice has no invoice number.",
            "Check the invoice in Manage.",
            P.MANAGE_INVOICE,
        )
    elif len(ctx.number) > L.DOC_NUMBER_MAX:
        ctx.problem(
            f'Invoice number "{ctx.number}" has {len(ctx.number)} characters; QBO allows '
            f"{L.DOC_NUMBER_MAX} (DocNumber).",
            f"Shorten the invoice numbers (prefix and number) in Manage to at most "
            f"{L.DOC_NUMBER_MAX} characters, then re-issue this invoice's number.",
            A.DOC_NUMBER_SCREEN,
        )


def _categories(ctx: Context, out: Draft) -> None:
    settings, qbo = ctx.settings, ctx.qbo
    if settings.use_classes and header.tracking_on(ctx, "Class"):
        names = list(dict.fromkeys(d.class_name for d in out.lines if d.class_name))
        for name in names:
            header.category(ctx, "Class", name)
        if not qbo.class_per_line and len(names) > 1:
            ctx.problem(
                f"Invoice {ctx.number} has lines in several classes ({', '.join(names)}), but "
                "QBO keeps one class per transaction.",
                "Set QBO to assign classes to each row of a transaction, or give the lines "
                "one class in Manage.",
                P.QBO_CATEGORIES,
            )
        elif not qbo.class_per_line and names:
            out.header_class = names[0]
    if settings.use_locations and header.tracking_on(ctx, "Department"):
        name = N.clean(ctx.tx.get("glClass"))
        if name:
            out.department = header.category(ctx, "Department", name)


def plan_invoice(
    tx: dict,
    customer: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
) -> InvoicePlan:
    """Validate one GLExportTransaction and say what it needs. Writes nothing."""
    unreadable = shape.problems(tx, customer)
    if unreadable:  # the mapping would misread it: say which fields, map nothing
        return InvoicePlan(None, N.clean(tx.get("documentNumber")), "", Decimal(0), unreadable, [])
    d = draft(tx, customer, qbo, manage, settings)
    problems = P.unique(d.ctx.problems)
    found = d.ctx.memo.get("match")
    party = header.customer_party(tx, customer)
    return InvoicePlan(
        entity=None if d.skip_reason or problems else d.entity,
        doc_number=d.ctx.number,
        party_name=d.customer_name,
        expected_total=abs(dec(tx.get("total"))),
        problems=problems,
        needs=[] if d.skip_reason else d.ctx.needs,
        skip_reason=d.skip_reason,
        lines=lines.preview(d.ctx, d.lines),
        note=found.note if found is not None and found.how != "paired" else None,
        pair=(party.kind, party.manage_id, party.plain) if found is not None else None,
        changes=[] if d.skip_reason or problems else list(d.ctx.changes),
    )


def invoice_body(
    tx: dict,
    customer: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
    *,
    placeholders: bool = False,
) -> dict:
    """Return the QBO Invoice/CreditMemo create body (after every Needed was qbo.add()-ed)."""
    d = draft(tx, customer, qbo, manage, settings)
    if d.skip_reason:
        raise ValueError(f"Invoice {d.ctx.number}: {d.skip_reason}")
    P.check_ready(d.ctx.problems, placeholders)

    def ref(entity: str, name: str | None) -> dict:
        return ref_to(qbo, entity, name, placeholders)

    body: dict = {"DocNumber": d.ctx.number}
    if d.txn_date:
        body["TxnDate"] = d.txn_date.isoformat()
    body["CustomerRef"] = ref("Customer", d.customer_name)
    if d.term:
        body["SalesTermRef"] = ref("Term", d.term)
    if d.due_date:
        body["DueDate"] = d.due_date.isoformat()
    if d.ar_account and A.SEND_AR_ACCOUNT:
        body["ARAccountRef"] = {"value": d.ar_account}
    if d.currency:
        body["CurrencyRef"] = {"value": d.currency}
    if d.department:
        body["DepartmentRef"] = ref("Department", d.department)
    if d.header_class:
        body["ClassRef"] = ref("Class", d.header_class)
    per_line_class = settings.use_classes and qbo.class_per_line
    taxed = qbo.using_sales_tax
    body["Line"] = [_line(ln, ref, per_line_class, placeholders and taxed) for ln in d.lines]
    if qbo.using_sales_tax and qbo.us and d.txn_tax_code:
        body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": d.txn_tax_code}}
    elif qbo.using_sales_tax and not qbo.us:
        body["GlobalTaxCalculation"] = "TaxExcluded"
    if d.entity == "Invoice" and settings.allow_epayments:
        body.update(
            AllowIPNPayment=settings.allow_ipn,
            AllowOnlinePayment=settings.allow_online,
            AllowOnlineCreditCardPayment=settings.allow_credit_card,
            AllowOnlineACHPayment=settings.allow_ach,
        )
    body["PrivateNote"] = A.PRIVATE_NOTE_FORMAT.format(
        kind="credit memo" if d.entity == "CreditMemo" else "invoice",
        number=d.ctx.number,
        id=tx.get("id"),
    )
    return body


def _line(draft: lines.LineDraft, ref, per_line_class: bool, tax_placeholder: bool) -> dict:
    detail: dict = {"ItemRef": ref("Item", draft.item)}
    if draft.qty is not None and draft.price is not None:
        detail.update(Qty=num(draft.qty), UnitPrice=num(draft.price))
    if draft.tax is not None or tax_placeholder:
        detail["TaxCodeRef"] = {"value": draft.tax}
    if per_line_class and draft.class_name:
        detail["ClassRef"] = ref("Class", draft.class_name)
    line = {"DetailType": "SalesItemLineDetail", "Amount": num(draft.amount)}
    if draft.description:
        line["Description"] = draft.description
    line["SalesItemLineDetail"] = detail
    return line


class InvoiceKind(Kind):
    """Manage invoices and credit memos → QBO Invoices and CreditMemos."""

    name = "invoices"
    noun = "Invoice"
    export_flag = "exportInvoicesFlag"
    export_ids_field = CA.INVOICE_EXPORT_ID_FIELD
    entities = ("Invoice", "CreditMemo")
    reference_label = "Load QuickBooks lists (accounts, tax codes, terms, customers, items)"
    screen = "Manage › Finance › Accounting Interface › Unposted Invoices"
    document_screen = P.MANAGE_INVOICE

    def documents_of(self, export: dict) -> list[dict]:
        return export.get("transactions") or []

    def parties_of(self, export: dict) -> dict:
        return {shape.company_id(c): c for c in export.get("customers") or []}

    def names_needed(self, documents: list[dict], ctx: RunContext) -> tuple[set, set]:
        from cwqbo.transfer.reference import names_needed

        export = {"transactions": documents, "customers": list(ctx.parties.values())}
        return names_needed(export, ctx.settings, ctx.manage)

    def plan(self, doc: dict, ctx: RunContext) -> Plan:
        customer = ctx.parties.get(shape.company_id(doc))
        return plan_invoice(doc, customer, ctx.qbo, ctx.manage, ctx.settings)

    def body(self, doc: dict, ctx: RunContext, *, placeholders: bool = False) -> dict:
        customer = ctx.parties.get(shape.company_id(doc))
        return invoice_body(
            doc, customer, ctx.qbo, ctx.manage, ctx.settings, placeholders=placeholders
        )

    def record_ids(self, doc: dict) -> list[int]:
        return invoice_record_ids(doc)

    def party(self, doc: dict) -> str:
        company = doc.get("company")
        return str((company.get("name") if isinstance(company, dict) else "") or "")


INVOICES = InvoiceKind()
