"""The lines of an item receipt's Bill: item lines, freight and tax lines, their tax codes."""

from __future__ import annotations

from cwqbo.transfer import assumptions as A
from cwqbo.transfer import items
from cwqbo.transfer import limits as L
from cwqbo.transfer import lines as LN
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context, dec, num, r2

NOUN = "Item receipt"
ITEM_DETAIL = "ItemBasedExpenseLineDetail"
ACCOUNT_DETAIL = "AccountBasedExpenseLineDetail"
FREIGHT = "PF"
MANAGE_PO = "Manage › Procurement › Purchase Orders › the purchase order"


def receipt_line(ctx: Context, line: dict, global_tax: bool) -> LN.LineDraft:
    amount = -dec(line.get("total"))  # GL-signed: a purchase debit is negative in the export
    why = L.amount_problem(line.get("total"))
    description = N.clean(line.get("itemDescription") or line.get("description"))
    what = f'line "{description}"' if description else f"line {line.get('lineNumber')}"
    if why is not None:
        ctx.problem(f"{NOUN} {ctx.number}: {what} {why}.", "Correct it in Manage.", MANAGE_PO)
    account = N.clean(line.get("accountNumber"))
    item = None
    if N.is_product(line):
        item = _item(ctx, line)
    else:
        ctx.account_id(account, what)
    qty, price = -dec(line.get("quantity")), dec(line.get("cost") or line.get("itemCost"))
    if not qty or r2(qty * price) != amount:
        qty = price = None  # QBO refuses Qty x UnitPrice that is not the Amount
    return LN.LineDraft(
        amount=amount,
        description=description[: L.DESCRIPTION_MAX],
        item=item,
        account=account,
        tax=_tax_code(ctx, line) if global_tax else None,
        class_name=None,
        product=item is not None,
        qty=qty if item else None,
        price=price if item else None,
        sources=[line["id"]] if isinstance(line.get("id"), int) else [],
    )


def _item(ctx: Context, line: dict) -> str | None:
    """Return the QBO item a receipt line buys, asking for it to be created when missing."""
    name = N.product_item_name(line)
    return items.use_or_create(ctx, name, lambda: _item_body(ctx, line, name), f"product {name}")


def _item_body(ctx: Context, line: dict, name: str) -> dict | None:
    if not ctx.settings.income_account_id:
        ctx.problem(
            f'Product "{name}" must be created in QBO, but no income account is chosen for new '
            "products.",
            "Choose the income account on the Products tab.",
            P.CWQBO_PRODUCTS,
        )
        return None
    # Manage posts a receipt line to the inventory asset (inventory parts) or to the expense
    # account (everything else): that is the account the new item's purchases must use.
    bought = dict(line)
    account = N.clean(line.get("accountNumber"))
    xref = "".join(ch for ch in str(line.get("itemTypeXref") or "").lower() if ch.isalpha())
    if A.TYPE_XREF_ITEM_TYPE.get(xref) == "Inventory":
        bought["inventoryAccountNumber"] = line.get("inventoryAccountNumber") or account
    elif account:
        bought["costAccountNumber"] = account
    body = items.product_body(ctx, bought, name, None)
    if body is not None and body["Type"] == "Service" and "ExpenseAccountRef" not in body:
        expense = ctx.account_id(account, f'product "{name}"') if account else None
        if expense:  # a service bought on a bill must say where its cost goes
            body["ExpenseAccountRef"] = {"value": expense}
    return body


def _tax_code(ctx: Context, line: dict) -> str | None:
    """Return the purchase tax code of a line in a global-tax company (or record why not)."""
    doc, settings = ctx.tx, ctx.settings
    taxed = (
        bool(doc.get("purchaseHeaderFreightTaxableFlag"))
        if line.get("glTypeId") == FREIGHT
        else bool(line.get("taxable") or line.get("taxableFlag"))
    )
    if not taxed:
        if settings.exempt_tax_code_id:
            return settings.exempt_tax_code_id
        ctx.problem(
            f"{NOUN} {ctx.number} has untaxed lines, and QBO needs a tax code on every line.",
            "Choose the exempt tax code on the Taxes tab.",
            P.CWQBO_TAXES,
        )
        return None
    code = doc.get("taxCode") or {}
    mapped = settings.tax_mappings.get(str(code.get("id")))
    if mapped:
        return mapped
    row = ctx.qbo.find("TaxCode", N.clean(code.get("name") or code.get("identifier")))
    if row is not None:
        return str(row["Id"])
    ctx.problem(
        f'{NOUN} {ctx.number} is taxed with Manage tax code "{code.get("name")}", which has no '
        "QBO tax code.",
        "Map the Manage tax code to a QBO tax code on the Taxes tab (or give the QBO tax code "
        "the same name).",
        P.either(P.CWQBO_TAXES, P.QBO_TAX),
    )
    return None


def body_line(ctx: Context, draft: LN.LineDraft, ref) -> dict:
    if draft.item is not None:
        kind = ITEM_DETAIL
        detail: dict = {"ItemRef": ref("Item", draft.item)}
        if draft.qty is not None and draft.price is not None:
            detail.update(Qty=num(draft.qty), UnitPrice=num(draft.price))
    else:
        kind = ACCOUNT_DETAIL
        row = ctx.qbo.account(draft.account)
        detail = {"AccountRef": {"value": str(row["Id"]) if row else None}}
    if draft.tax is not None:
        detail["TaxCodeRef"] = {"value": draft.tax}
    line: dict = {"DetailType": kind, "Amount": num(draft.amount)}
    if draft.description:
        line["Description"] = draft.description
    line[kind] = detail
    return line
