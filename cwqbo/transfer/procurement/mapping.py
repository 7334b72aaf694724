"""One exported item receipt (GLExportPurchaseTransaction) planned into a QBO Bill.

Choices the seeds leave open (documented in README "How a batch runs"):
- Item lines (a catalog item on the line) become ItemBasedExpenseLineDetail lines of the
  Manage item, created when missing with the type of its product type's Type Xref.
- Freight (glTypeId PF) becomes an account line to the Manage PO Freight GL account, not an
  item: freight-in is a cost of the purchase, and a bookkeeper looks for it on that account.
- Purchase tax lines (purchaseDetailTax: PT product tax, FT freight tax): in a US company
  QBO has no tax on bills, so the tax paid becomes an account line to its Manage GL account
  (PO Product Tax / PO Freight Tax) and the bill total is the Manage total. In a company
  with QBO's global tax model (CA, UK, AU) the tax lines are not sent: every line carries
  the purchase tax code and QBO computes the recoverable tax itself (TaxExcluded).
- DocNumber is the vendor invoice number (the duplicate check QBO and a bookkeeper use), the
  PO number when the receipt has none; a later receipt of the same PO gets "-<n>", stably,
  from its Manage batch id (see ``receipt_ordinal``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from cwqbo.transfer import header
from cwqbo.transfer import limits as L
from cwqbo.transfer import lines as LN
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context, dec, parse_date, ref_to
from cwqbo.transfer.kind import Plan
from cwqbo.transfer.procurement.receipt_lines import MANAGE_PO, NOUN, body_line, receipt_line
from cwqbo.transfer.procurement.vendor import vendor, vendor_party
from cwqbo.transfer.reference import ManageReference, QBOReference
from cwqbo.transfer.settings import TransferSettings

AP_TYPE = "Accounts Payable"
# Purchases tab "Bill date for item receipts" -> the GLExportPurchaseTransaction date field.
BILL_DATE_FIELDS = {
    "document": "documentDate",
    "vendor_invoice": "vendorInvoiceDate",
    "po": "purchaseDate",
}
# Where the kind keeps the receipt's ordinal among its PO's receipts on the exported
# document (set from the stored Manage batch id before planning; never sent anywhere).
RECEIPT_KEY = "_cwqboReceipt"
PRIVATE_NOTE = "ConnectWise Manage item receipt {po}{slip}"


@dataclass
class ReceiptPlan(Plan):
    """The plan of an item receipt; ``note`` is logged by the runner (a suffixed bill number)."""

    note: str | None = None


@dataclass
class Draft:
    """Everything decided about one item receipt before QBO ids are filled in."""

    ctx: Context
    vendor: str = ""
    doc_number: str = ""
    txn_date: date | None = None
    due_date: date | None = None
    ap_account: str | None = None
    currency: str | None = None
    department: str | None = None
    lines: list[LN.LineDraft] = field(default_factory=list)


def receipt_ordinal(doc: dict) -> int:
    """Return which receipt of its PO this is (1 = the first), as the kind noted it."""
    value = doc.get(RECEIPT_KEY)
    return value if isinstance(value, int) and value > 1 else 1


def doc_number(doc: dict) -> str:
    """Return the Bill's DocNumber: the vendor invoice number (or PO number), + "-<n>"."""
    base = N.clean(doc.get("vendorInvoiceNumber")) or N.clean(doc.get("documentNumber"))
    n = receipt_ordinal(doc)
    return f"{base}-{n}" if n > 1 and base else base


def bill_date(doc: dict, settings: TransferSettings) -> date | None:
    """Return the bill date from the Purchases tab's source (the document date if empty)."""
    source = BILL_DATE_FIELDS.get(settings.bill_date_source)
    return parse_date(doc.get(source or "documentDate")) or parse_date(doc.get("documentDate"))


def item_lines(doc: dict) -> list[dict]:
    """Return the receipt's lines that buy a catalog item."""
    return [ln for ln in doc.get("purchaseDetail") or [] if N.is_product(ln)]


def item_names(doc: dict) -> set[str]:
    """Return the QBO item names a receipt may use (for loading)."""
    return {N.product_item_name(ln) for ln in item_lines(doc)}


def draft(
    doc: dict,
    vendor_row: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
) -> Draft:
    """Map one exported item receipt, collecting problems and needs on the way."""
    ctx = Context(doc, vendor_row, qbo, manage, settings, noun=NOUN)
    out = Draft(ctx, txn_date=bill_date(doc, settings), doc_number=doc_number(doc))
    _check_header(ctx, out)
    currency = ctx.currency()
    foreign_ok = header.currency_ok(ctx, currency, "order from the vendor")
    if foreign_ok and (currency != qbo.home_currency or qbo.multi_currency_enabled):
        out.currency = currency
    out.vendor = vendor(ctx, currency, foreign_ok)
    out.ap_account = header.header_account(
        ctx, "apAccountNumber", "AP", AP_TYPE, "the accounts payable (AP) header"
    )
    days = header.due_days(doc.get("dueDays"))
    if out.txn_date and days is not None:
        out.due_date = out.txn_date + timedelta(days=days)
    global_tax = qbo.using_sales_tax and not qbo.us
    for line in doc.get("purchaseDetail") or []:
        out.lines.append(receipt_line(ctx, line, global_tax))
    if not global_tax:  # US: QBO has no tax on bills; the tax paid is a cost line
        for line in doc.get("purchaseDetailTax") or []:
            if dec(line.get("total")):
                out.lines.append(receipt_line(ctx, line, False))
    if not out.lines:
        ctx.problem(
            f"{NOUN} {ctx.number} has no lines in ConnectWise's export.",
            "Check the receipt's lines on the purchase order in Manage.",
            MANAGE_PO,
        )
    if settings.use_locations and N.clean(doc.get("purchaseClass")):
        if header.tracking_on(ctx, "Department"):
            out.department = header.category(ctx, "Department", N.clean(doc["purchaseClass"]))
    return out


def _check_header(ctx: Context, out: Draft) -> None:
    doc = ctx.tx
    if not ctx.number:
        ctx.problem(
            "An exported item receipt has no PO number.", "Check the receipt in Manage.", MANAGE_PO
        )
    if out.txn_date is None:
        ctx.problem(
            f"{NOUN} {ctx.number} has no readable date ({doc.get('documentDate')!r}).",
            "Check the receive date on the purchase order in Manage.",
            MANAGE_PO,
        )
    if len(out.doc_number) > L.DOC_NUMBER_MAX:
        ctx.problem(
            f'Bill number "{out.doc_number}" (the vendor invoice number) has '
            f"{len(out.doc_number)} characters; QBO allows {L.DOC_NUMBER_MAX} (DocNumber).",
            f"Shorten the vendor invoice number on the purchase order in Manage to at most "
            f"{L.DOC_NUMBER_MAX - 3} characters.",
            MANAGE_PO,
        )
    total = L.amount_problem(doc.get("total"))
    if total is not None:
        ctx.problem(f"{NOUN} {ctx.number}: its total {total}.", "Correct it in Manage.", MANAGE_PO)
    elif dec(doc.get("total")) < 0:
        ctx.problem(
            f"{NOUN} {ctx.number} has a negative total ({doc.get('total')}): a return to the "
            "vendor, which QBO records as a vendor credit, not a bill.",
            "Enter the vendor credit in QBO by hand, then use Mark as already exported for it.",
            P.either(MANAGE_PO, "cwqbo › Mark as already exported"),
        )


def plan_receipt(
    doc: dict,
    vendor_row: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
) -> Plan:
    """Validate one exported item receipt and say what it needs. Writes nothing."""
    d = draft(doc, vendor_row, qbo, manage, settings)
    problems = P.unique(d.ctx.problems)
    n = receipt_ordinal(doc)
    note = None
    if n > 1:
        note = (
            f'bill number {d.doc_number}: receipt {n} of PO {d.ctx.number} gets "-{n}" after '
            "its vendor invoice number, so it never collides with another receipt of the PO "
            "that carries the same vendor invoice number (the same number on every retry)."
        )
    found = d.ctx.memo.get("match")  # how the vendor was matched (pairing.match)
    if found is not None and found.how != "paired":
        note = f"{note} {found.note}" if note else found.note
    party = vendor_party(doc, vendor_row)
    return ReceiptPlan(
        note=note,
        pair=(party.kind, party.manage_id, party.plain) if found is not None else None,
        entity=None if problems else "Bill",
        doc_number=d.doc_number,
        party_name=d.vendor,
        expected_total=dec(doc.get("total")),
        problems=problems,
        needs=d.ctx.needs,
        lines=LN.preview(d.ctx, d.lines),
    )


def receipt_body(
    doc: dict,
    vendor_row: dict | None,
    qbo: QBOReference,
    manage: ManageReference,
    settings: TransferSettings,
    *,
    placeholders: bool = False,
) -> dict:
    """Return the QBO Bill create body (after every Needed was qbo.add()-ed)."""
    d = draft(doc, vendor_row, qbo, manage, settings)
    P.check_ready(d.ctx.problems, placeholders)

    def ref(entity: str, name: str | None) -> dict:
        return ref_to(qbo, entity, name, placeholders)

    body: dict = {"DocNumber": d.doc_number, "VendorRef": ref("Vendor", d.vendor)}
    if d.txn_date:
        body["TxnDate"] = d.txn_date.isoformat()
    if d.due_date:
        body["DueDate"] = d.due_date.isoformat()
    if d.ap_account:
        body["APAccountRef"] = {"value": d.ap_account}
    if d.currency:
        body["CurrencyRef"] = {"value": d.currency}
    if d.department:
        body["DepartmentRef"] = ref("Department", d.department)
    body["Line"] = [body_line(d.ctx, ln, ref) for ln in d.lines]
    if qbo.using_sales_tax and not qbo.us:
        body["GlobalTaxCalculation"] = "TaxExcluded"
    slip = N.clean(doc.get("packingSlip"))
    note = PRIVATE_NOTE.format(po=d.ctx.number, slip=f", packing slip {slip}" if slip else "")
    body["PrivateNote"] = note[: L.DESCRIPTION_MAX]
    return body
