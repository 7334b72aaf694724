"""Invoice lines: GL detail lines turned into document lines, Summary or Detailed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from cwqbo.transfer import assumptions as A
from cwqbo.transfer import items, taxes
from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer.context import Context, dec, r2


@dataclass
class LineDraft:
    """One document line before QBO ids are filled in."""

    amount: Decimal  # in document sign (positive sells)
    description: str
    item: str | None  # QBO item name
    account: str  # the Manage GL account (for the preview)
    tax: str | None  # TaxCodeRef value: TAX/NON or a TaxCode id
    class_name: str | None
    product: bool
    qty: Decimal | None = None
    price: Decimal | None = None
    uom: str = ""
    sources: list[int] = field(default_factory=list)  # Manage GL entry ids


def detail_lines(tx: dict) -> list[dict]:
    """Return the GL detail lines that become document lines (tax lines are not sent)."""
    return [ln for ln in tx.get("detail") or [] if ln.get("glTypeId") not in A.NOT_LINES]


def build(ctx: Context, sign: Decimal) -> list[LineDraft]:
    """Map each Manage detail line (GL amount x ``sign``), then shape them per the detail option."""
    drafts = []
    for n, line in enumerate(detail_lines(ctx.tx), start=1):
        text = N.clean(line.get("description") or line.get("itemDescription"))
        what = f'line {n} "{text}"' if text else f"line {n}"
        account = N.clean(line.get("accountNumber"))
        account_id = ctx.account_id(account, what)
        L.check_amount(ctx, line.get("total"), f"{what} amount")
        quantity = _optional(ctx, line.get("quantity"), f"{what} quantity")
        price = _optional(ctx, line.get("itemPrice"), f"{what} unit price")
        drafts.append(
            LineDraft(
                amount=dec(line.get("total")) * sign,
                description=text,
                item=items.line_item(ctx, line, account_id, what),
                account=account,
                tax=taxes.line_code(ctx, line),
                class_name=N.clean(line.get("glClass")) or None
                if ctx.settings.use_classes
                else None,
                product=N.is_product(line),
                qty=dec(quantity) * sign if quantity not in (None, "") else None,
                price=dec(price) if price not in (None, "") else None,
                uom=_uom(line.get("unitOfMeasure")),
                sources=[line["id"]] if line.get("id") is not None else [],
            )
        )
    shaped = drafts if ctx.settings.detailed else summarize(drafts)
    return [_finish(ctx, d) for d in shaped]


def _optional(ctx: Context, value: object, what: str) -> object:
    """Return a line's Qty/UnitPrice when QBO can take it (None when absent or a problem)."""
    if value in (None, ""):
        return None
    return value if L.check_amount(ctx, value, what, money=False) else None


def _uom(value: object) -> str:
    # Catalog items carry a UnitOfMeasureReference {id, name}; the export may give a string.
    return N.clean(value.get("name") if isinstance(value, dict) else value)


def summarize(drafts: list[LineDraft]) -> list[LineDraft]:
    """Merge lines without a product per (item, tax code, class); products stay as they are."""
    out: list[LineDraft] = []
    groups: dict[tuple, LineDraft] = {}
    for draft in drafts:
        if draft.product:
            out.append(draft)
            continue
        key = ((draft.item or "").casefold(), draft.tax, (draft.class_name or "").casefold())
        merged = groups.get(key)
        if merged is None:
            merged = replace(draft, description=draft.item or draft.description, sources=[])
            merged.amount = Decimal(0)
            merged.qty = Decimal(0) if draft.qty is not None else None
            groups[key] = merged
            out.append(merged)
        merged.amount += draft.amount
        merged.sources += draft.sources
        same_price = merged.price == draft.price and merged.qty is not None
        merged.qty = merged.qty + draft.qty if same_price and draft.qty is not None else None
        if merged.uom != draft.uom:
            merged.uom = ""
    return out


def _finish(ctx: Context, draft: LineDraft) -> LineDraft:
    description = draft.description or draft.item or draft.account
    if ctx.settings.display_uom and draft.uom:
        description = A.UOM_FORMAT.format(description=description, uom=draft.uom)
    qty, price = draft.qty, draft.price
    # QBO refuses a line whose Qty x UnitPrice is not its Amount (fault 6070).
    if qty is not None and price is not None and r2(qty * price) != draft.amount:
        ctx.changed(
            f'Line "{_short(description)}": quantity {qty} x unit price {price} is '
            f"{qty * price}, not its amount {draft.amount} to the cent; it is sent as the "
            "amount alone, without quantity and unit price (QuickBooks refuses a line whose "
            "quantity x price differs from its amount)."
        )
    if qty is None or price is None or r2(qty * price) != draft.amount:
        qty = price = None
    if len(description) > L.DESCRIPTION_MAX:
        ctx.changed(
            f'Line "{_short(description)}": its description of {len(description)} characters '
            f"is cut to QuickBooks' {L.DESCRIPTION_MAX}."
        )
    return replace(draft, description=description[: L.DESCRIPTION_MAX], qty=qty, price=price)


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def preview(ctx: Context, drafts: list[LineDraft]) -> list[dict]:
    """Return readable lines for the dry-run preview."""
    return [
        {
            "description": d.description,
            "item": d.item,
            "account": d.account,
            "qty": d.qty,
            "unit_price": d.price,
            "amount": d.amount,
            "tax": taxes.code_label(ctx, d.tax),
            "class": d.class_name,
        }
        for d in drafts
    ]
