"""Read a GLExport: which GL record ids a batch must take (reference §3.7, §3.8).

The choice of ids is UNCONFIRMED upstream; it is made here, once, as described in
``assumptions`` (§3.8 / §6.2).
"""

from __future__ import annotations

from collections.abc import Iterable


def _ints(values: Iterable[object]) -> list[int]:
    out = []
    for value in values:
        if value is None or value == "":
            continue
        out.append(int(value))
    return out


def invoice_record_ids(transaction: dict) -> list[int]:
    """Return the GL ids of one exported invoice: header ``glEntryIds`` + detail ids."""
    header = str(transaction.get("glEntryIds") or "").replace(" ", "").split(",")
    ids = _ints(header) + _ints(d.get("id") for d in transaction.get("detail") or [])
    return sorted(set(ids))


def expense_record_ids(expense: dict) -> list[int]:
    """Return the GL ids of one exported expense: its id and its offset's id."""
    offset = expense.get("offset") or {}
    return sorted(set(_ints([expense.get("id"), offset.get("id")])))


def expense_bill_record_ids(bill: dict) -> list[int]:
    """Return the GL ids of one exported expense bill (``detail[].id`` are int lists)."""
    ids: list[int] = []
    for detail in bill.get("detail") or []:
        value = detail.get("id")
        ids.extend(_ints(value if isinstance(value, list) else [value]))
    return sorted(set(ids))


def purchase_record_ids(purchase: dict) -> list[int]:
    """Return the GL ids of one exported item receipt: detail, tax and freight lines."""
    lines = (purchase.get("purchaseDetail") or []) + (purchase.get("purchaseDetailTax") or [])
    return sorted(set(_ints(line.get("id") for line in lines)))


def processed_record_ids(export: dict) -> list[int]:
    """Return every GL record id in a GLExport, for ``processedRecordIds``."""
    ids: set[int] = set()
    for tx in export.get("transactions") or []:
        ids.update(invoice_record_ids(tx))
    for expense in export.get("expenses") or []:
        ids.update(expense_record_ids(expense))
    for bill in export.get("expenseBills") or []:
        ids.update(expense_bill_record_ids(bill))
    for purchase in export.get("purchaseTransactions") or []:
        ids.update(purchase_record_ids(purchase))
    return sorted(ids)
