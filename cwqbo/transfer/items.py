"""The QBO item each invoice line sells, and the item to create when it does not exist yet."""

from __future__ import annotations

import re
from collections.abc import Callable

from cwqbo.transfer import assumptions as A
from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context
from cwqbo.transfer.reference import ManageReference
from cwqbo.transfer.settings import TransferSettings

WORK_FIELDS = {
    "work_role": (A.WORK_ROLE_FIELD, "work role"),
    "work_type": (A.WORK_TYPE_FIELD, "work type"),
}


def _is_time(line: dict, settings: TransferSettings) -> bool:
    return settings.service_item_source in WORK_FIELDS and line.get("glTypeId") in A.TIME_GL_TYPES


def deferred_item_name(line: dict, manage: ManageReference) -> str:
    """Return the item of a deferred-revenue line: the GL mapping's product id or the default."""
    return N.no_colon(manage.product_id(line.get("accountNumber") or "")) or A.DOWN_PAYMENT_ITEM


def item_names(tx: dict, settings: TransferSettings, manage: ManageReference) -> set[str]:
    """Return every item name the lines of an exported invoice may use (for loading)."""
    out: set[str] = set()
    for line in tx.get("detail") or []:
        if line.get("glTypeId") in A.NOT_LINES:
            continue
        if N.is_product(line):
            out.add(N.product_item_name(line))
        elif line.get("glTypeId") == "RD":
            out.add(deferred_item_name(line, manage))
        elif _is_time(line, settings):
            out.add(N.ref_name(line.get(WORK_FIELDS[settings.service_item_source][0])))
        else:
            out.update(N.account_item_names(line.get("accountNumber") or ""))
    return {n for n in out if n}


def line_item(ctx: Context, line: dict, account_id: str | None, what: str) -> str | None:
    """Return the QBO item name a line sells (asking for it to be created if missing)."""
    if N.is_product(line):
        return _product(ctx, line, account_id)
    if line.get("glTypeId") == "RD":
        name = deferred_item_name(line, ctx.manage)
        return use_or_create(ctx, name, lambda: _service(name, account_id), f"deferred:{name}")
    if _is_time(line, ctx.settings):
        return _work(ctx, line, account_id, what)
    return _gl_account(ctx, line, account_id)


def _income(row: dict) -> str:
    return str((row.get("IncomeAccountRef") or {}).get("value") or "")


def _service(name: str, income: str | None) -> dict | None:
    return (
        {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": income}} if income else None
    )


def use_or_create(
    ctx: Context, name: str, make: Callable[[], dict | None], owner: str
) -> str | None:
    """Use the active QBO item ``name``, or ask for ``make()`` to be created under that name."""
    if len(name) > L.ITEM_NAME_MAX:
        ctx.problem(
            f'Item name "{name}" is longer than QBO\'s {L.ITEM_NAME_MAX} characters.',
            "Shorten the product identifier (or work role/type name) in Manage.",
            P.MANAGE_PRODUCT_TYPES,
        )
        return None
    row = ctx.qbo.find("Item", name)
    if row is not None:
        if row.get("Type") == "Category":
            ctx.problem(
                f'QBO has a product category named "{name}", so no item can have that name.',
                "Rename the category in QBO (item and category names share one list).",
                P.QBO_ITEMS,
            )
            return None
        return name
    if ctx.qbo.inactive("Item", name):
        ctx.problem(
            f'Item "{name}" is inactive in QBO.',
            "Make the item active in QBO (an inactive item still holds its name).",
            P.QBO_ITEMS,
        )
        return None
    holder = ctx.qbo.claim("Item", name, owner)
    if holder != owner:
        ctx.problem(
            f'Two different Manage sources would create QBO item "{name}" in this batch '
            f"({holder} and {owner}).",
            "Rename one of them in Manage so the item names differ.",
            P.MANAGE_PRODUCT_TYPES,
        )
        return None
    body = make()
    if body is None:  # the reason is recorded already (a missing account, a bad type xref)
        return None
    ctx.need("Item", name, body, f'Item "{name}" ({body["Type"]})')
    return name


def _gl_account(ctx: Context, line: dict, account_id: str | None) -> str | None:
    account = N.clean(line.get("accountNumber"))
    if account_id is None:
        return None
    owner = f"GL account {account}"
    candidates = N.account_item_names(account)
    fitting = [c for c in candidates if len(c) <= L.ITEM_NAME_MAX]  # never cut a name to fit
    for name in fitting:
        row = ctx.qbo.find("Item", name)
        if row is not None:
            if _income(row) == account_id and row.get("Type") != "Category":
                return name
            continue  # the name belongs to an item posting elsewhere: try the next one
        if ctx.qbo.inactive("Item", name) or ctx.qbo.claimed("Item", name) not in (None, owner):
            continue
        return use_or_create(ctx, name, lambda n=name: _service(n, account_id), owner)
    reasons = []
    if fitting:
        taken = " and ".join(repr(c) for c in fitting)
        reasons.append(f"QBO items {taken} post to other income accounts")
    too_long = [c for c in candidates if c not in fitting]
    if too_long:
        names = " and ".join(repr(c) for c in too_long)
        reasons.append(f"{names} would be longer than QBO's {L.ITEM_NAME_MAX} characters")
    ctx.problem(
        f'No service item can be named for GL account "{account}": {"; ".join(reasons)}.',
        "Rename one of those items in QBO, or point its income account at this GL account"
        + (", or shorten the GL account name in Manage and QBO." if too_long else "."),
        P.either(P.QBO_ITEMS, P.MANAGE_GL) if too_long else P.QBO_ITEMS,
    )
    return None


def _work(ctx: Context, line: dict, account_id: str | None, what: str) -> str | None:
    field, label = WORK_FIELDS[ctx.settings.service_item_source]
    name = N.ref_name(line.get(field))
    raw = line.get(field)
    change = N.colon_change(
        label.capitalize(), (raw or {}).get("name") if isinstance(raw, dict) else raw, name
    )
    if change:
        ctx.changed(change)
    if not name:
        if ctx.settings.detailed:
            ctx.problem(
                f"Invoice {ctx.number}: {what} has no {label}.",
                f"Give the time entry a {label} in Manage, or choose GL account as the "
                "service item source.",
                P.either(P.MANAGE_TIME, P.CWQBO_SALES),
            )
        else:
            ctx.problem(
                f"Invoice {ctx.number}: {what} has no {label}; the {label} service item "
                "source needs Detailed invoices.",
                "Choose Detailed invoice detail for this batch, or GL account as the "
                "service item source.",
                P.either(P.CWQBO_BATCH, P.CWQBO_SALES),
            )
        return None
    return use_or_create(ctx, name, lambda: _service(name, account_id), f"{label} {name}")


def _product(ctx: Context, line: dict, account_id: str | None) -> str | None:
    name = N.product_item_name(line)
    raw = (line.get("item") or {}).get("identifier") or line.get("glItemId")
    change = N.colon_change("Product", raw, name)
    if change:
        ctx.changed(change)
    return use_or_create(
        ctx, name, lambda: product_body(ctx, line, name, account_id), f"product {name}"
    )


def product_body(ctx: Context, line: dict, name: str, account_id: str | None) -> dict | None:
    """Return the QBO Item body for a Manage product line (its Type Xref), or record why not."""
    settings = ctx.settings
    raw = N.clean(line.get("itemTypeXref"))
    item_type = A.TYPE_XREF_ITEM_TYPE.get(re.sub(r"[^a-z]", "", raw.lower()))
    if item_type is None:
        ctx.problem(
            f'Product "{name}" has Type Xref "{raw}", which is not InventoryPart, '
            "NonInventoryPart, OtherCharge or Service, so cwqbo cannot tell which QBO item "
            "type to create.",
            'Set the "Type Xref" of the product\'s product type in Manage.',
            P.MANAGE_PRODUCT_TYPES,
        )
        return None
    if settings.products_as_services:
        item_type = "Service"
    elif item_type == "Inventory" and not settings.track_quantity:
        item_type = A.UNTRACKED_INVENTORY_TYPE
    income = account_id or settings.income_account_id
    if not income:
        return None
    body: dict = {"Name": name, "Type": item_type, "IncomeAccountRef": {"value": income}}
    description = N.clean(line.get("itemDescription") or line.get("description"))
    if description:
        body["Description"] = description[: L.DESCRIPTION_MAX]
    body["Sku"] = N.clean((line.get("item") or {}).get("identifier") or line.get("glItemId"))
    if item_type == "Service":
        return body
    expense = _side_account(ctx, line, "costAccountNumber", settings.cogs_account_id, name)
    if expense:
        body["ExpenseAccountRef"] = {"value": expense}
    if item_type == "NonInventory":
        return body
    asset = _side_account(ctx, line, "inventoryAccountNumber", settings.asset_account_id, name)
    if not ctx.qbo.quantity_on_hand:
        ctx.problem(
            f'Product "{name}" would be an inventory item, but QBO does not track quantity '
            "on hand.",
            "Turn on quantity on hand in QBO, or turn off Track quantity on hand in cwqbo.",
            P.either(P.QBO_PRODUCTS, P.CWQBO_PRODUCTS),
        )
        return None
    for ref, what in ((expense, "cost of goods sold"), (asset, "inventory asset")):
        if not ref:
            ctx.problem(
                f'Product "{name}" is an inventory part, but neither Manage nor cwqbo names '
                f"its {what} account.",
                f"Fill in the {what} account on the Manage GL account of type Revenue-Product, "
                "or choose it on the Products tab.",
                P.either(P.MANAGE_GL, P.CWQBO_PRODUCTS),
            )
    if not (expense and asset):
        return None
    start = ctx.txn_date.isoformat() if ctx.txn_date else None
    body.update(AssetAccountRef={"value": asset}, TrackQtyOnHand=True, QtyOnHand=0)
    body["InvStartDate"] = start
    return body


def _side_account(
    ctx: Context, line: dict, field: str, fallback: str | None, name: str
) -> str | None:
    """Return a product's COGS/asset account: the Manage line's, else the Products tab's."""
    account = N.clean(line.get(field))
    if account:
        return ctx.account_id(account, f'product "{name}"')
    return fallback
