"""Quantity on hand of a simulated company: bills and purchases receive inventory items.

QBO adds the Qty of every ItemBasedExpenseLineDetail line of an Inventory item (one that
tracks quantity on hand) to the item's QtyOnHand when a Bill or Purchase is saved, and takes
it off again when the document is deleted or changed. Sales are not simulated.
"""

from __future__ import annotations

from typing import Any

from .totals import money, num

RECEIVING = ("Bill", "Purchase")
DETAIL = "ItemBasedExpenseLineDetail"


def receive(company: Any, entity: str, row: dict[str, Any], sign: int) -> None:
    """Add (sign +1) or take back (-1) the quantities a purchase document receives."""
    if entity not in RECEIVING:
        return
    for line in row.get("Line") or []:
        if line.get("DetailType") != DETAIL:
            continue
        detail = line.get(DETAIL) or {}
        item = company.rows["Item"].get(str((detail.get("ItemRef") or {}).get("value")))
        if item is None or item.get("Type") != "Inventory" or not item.get("TrackQtyOnHand"):
            continue
        qty = money(detail.get("Qty") or 0)
        item["QtyOnHand"] = num(money(item.get("QtyOnHand") or 0) + sign * qty)
        company._bump(item, item)
