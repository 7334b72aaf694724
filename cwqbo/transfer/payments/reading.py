"""Find what changed in QBO since the last run, and read just that (work proportional to change).

Within QBO's 30-day look-back one CDC call (Payment, CreditMemo, Invoice) names what changed;
the transferred invoices among them (and those a changed or deleted payment had paid) are
then read by id in ``IN (...)`` chunks, with the payments they link. A first run, a watermark
older than the look-back, a CDC refusal or a full CDC answer (QBO caps it at 1000 objects)
reads every transferred invoice instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cwqbo.quickbooks.errors import QBOError
from cwqbo.quickbooks.query import in_queries

CDC_ENTITIES = ("Payment", "CreditMemo", "Invoice")
LOOKBACK = timedelta(days=30)
# Margin inside the look-back (QBO compares with its own clock) and overlap before the
# watermark (a change committed while the last run read is seen again, harmlessly).
LOOKBACK_MARGIN = timedelta(hours=1)
OVERLAP = timedelta(minutes=5)
CDC_MAX_OBJECTS = 1000


@dataclass
class Changes:
    """The invoices a run looks at, with what QBO holds for each (None: deleted in QBO)."""

    path: str  # "cdc" or "full"
    reason: str
    invoices: dict[str, dict | None] = field(default_factory=dict)
    payments: dict[str, dict] = field(default_factory=dict)
    cdc_counts: dict[str, int] = field(default_factory=dict)


def _linked(obj: dict, kind: str) -> set[str]:
    ids = set()
    for line in obj.get("Line") or []:
        for lt in line.get("LinkedTxn") or []:
            if lt.get("TxnType") == kind:
                ids.add(str(lt.get("TxnId")))
    return ids


def read_by_id(qbo, entity: str, ids: Iterable[str]) -> dict[str, dict]:
    """Return {Id: object} for the ids QBO still has, one query per chunk of ids."""
    out: dict[str, dict] = {}
    for sql in in_queries(entity, "Id", sorted(set(ids), key=_id_order)):
        for obj in qbo.query(sql):
            out[str(obj.get("Id"))] = obj
    return out


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), value) if str(value).isdigit() else (0, str(value))


def changes_since(
    qbo,
    transferred: Iterable[str],
    watermark: datetime | None,
    now: datetime,
    paid_by: Callable[[str], set[str]],
) -> Changes:
    """Return the transferred invoices to look at and their QBO state.

    ``watermark`` and ``now`` are aware datetimes; ``paid_by("Payment:17")`` returns the
    QBO invoice ids whose Manage payments came from that QBO transaction.
    """
    ours = set(transferred)
    if watermark is None:
        return _full(qbo, ours, "first run: every transferred invoice is read")
    since = watermark - OVERLAP
    if now - since > LOOKBACK - LOOKBACK_MARGIN:
        return _full(
            qbo,
            ours,
            f"the last successful run ({watermark:%Y-%m-%d %H:%M} UTC) is beyond QuickBooks' "
            "30-day change look-back: every transferred invoice is read",
        )
    try:
        changed = qbo.cdc(CDC_ENTITIES, since)
    except QBOError as exc:
        if exc.retryable:
            raise
        return _full(qbo, ours, f"QuickBooks refused the change query ({exc}): full read")
    counts = {entity: len(changed.get(entity, [])) for entity in CDC_ENTITIES}
    if sum(counts.values()) >= CDC_MAX_OBJECTS:
        return _full(qbo, ours, f"{sum(counts.values())} changes (QBO's CDC cap): full read")
    out = Changes("cdc", f"changes since {since:%Y-%m-%d %H:%M:%S} UTC", cdc_counts=counts)
    affected: set[str] = set()
    for inv in changed.get("Invoice", []):
        inv_id = str(inv.get("Id"))
        if inv_id in ours:
            affected.add(inv_id)
            out.invoices[inv_id] = None if inv.get("status") == "Deleted" else inv
    for pay in changed.get("Payment", []):
        pay_id = str(pay.get("Id"))
        affected |= paid_by(f"Payment:{pay_id}") & ours
        if pay.get("status") != "Deleted":
            out.payments[pay_id] = pay
            affected |= _linked(pay, "Invoice") & ours
    missing = affected - set(out.invoices)
    found = read_by_id(qbo, "Invoice", missing)
    for inv_id in missing:
        out.invoices[inv_id] = found.get(inv_id)
    _read_payments(qbo, out)
    return out


def _full(qbo, ours: set[str], reason: str) -> Changes:
    out = Changes("full", reason)
    found = read_by_id(qbo, "Invoice", ours)
    for inv_id in ours:
        out.invoices[inv_id] = found.get(inv_id)
    _read_payments(qbo, out)
    return out


def _read_payments(qbo, out: Changes) -> None:
    """Read the payments the looked-at invoices link that the run has not seen yet."""
    wanted = set()
    for inv in out.invoices.values():
        for lt in (inv or {}).get("LinkedTxn") or []:
            if lt.get("TxnType") == "Payment" and str(lt.get("TxnId")) not in out.payments:
                wanted.add(str(lt.get("TxnId")))
    out.payments.update(read_by_id(qbo, "Payment", wanted))


def payments_of(invoice: dict | None, payments: dict[str, dict]) -> dict[str, dict]:
    """Return the payments (by Id) that apply anything to this invoice."""
    if invoice is None:
        return {}
    inv_id = str(invoice.get("Id"))
    return {pid: p for pid, p in payments.items() if inv_id in _linked(p, "Invoice")}
