"""Reconciliation (spec J5): what cwqbo sent, as Manage and QBO hold it now, side by side.

No Flask: the caller passes what was transferred (``Sent``), a Manage client and a QBO
client. Both systems are read in bulk, never once per transaction: QBO with
``SELECT … WHERE Id IN (…)`` per entity (30 ids a query), Manage's invoices with
conditions over id ranges (``id >= a and id <= b``, 1,000 a page), so the number of calls
grows with the spread of the ids, not with each transaction. Only invoices and credit
memos have an open balance in Manage; for bills and purchases the Manage side is the total
cwqbo recorded when it sent them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from cwqbo.connectwise import conditions as C
from cwqbo.quickbooks.query import in_queries

MISSING_IN_QBO = "Missing in QuickBooks"
VOIDED_IN_QBO = "Voided in QuickBooks"
MISSING_IN_MANAGE = "Missing in ConnectWise"
TOTAL_DIFFERS = "Total differs"
BALANCE_DIFFERS = "Balance differs"
FLAGS = (MISSING_IN_QBO, VOIDED_IN_QBO, MISSING_IN_MANAGE, TOTAL_DIFFERS, BALANCE_DIFFERS)
RANGE_SPAN = 1000  # ids one Manage range may span: one page when none are missing
MANAGE_FIELDS = "id,invoiceNumber,total,balance"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Sent:
    """One transaction cwqbo transferred, as its batch recorded it."""

    kind: str  # "invoices", "expenses", "products"
    number: str
    document_date: date | None
    qbo_entity: str
    qbo_id: str
    total: Decimal  # what cwqbo sent (the Manage total when it was sent)
    manage_invoice_id: int | None = None  # invoices: the Manage invoice (billingLogId)
    batch: str = ""  # the Batch ID, to link back
    tx_id: int | None = None


@dataclass
class Line:
    """One transaction's amounts on both sides and what differs."""

    sent: Sent
    manage_total: Decimal | None = None
    manage_balance: Decimal | None = None
    qbo_total: Decimal | None = None
    qbo_balance: Decimal | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Report:
    lines: list[Line]
    calls: dict[str, int]

    @property
    def flagged(self) -> list[Line]:
        return [line for line in self.lines if line.flags]

    def counts(self) -> dict[str, int]:
        """Return how many lines carry each flag."""
        return {flag: sum(flag in line.flags for line in self.lines) for flag in FLAGS}


def money(value: Any) -> Decimal | None:
    try:
        return abs(Decimal(str(value))).quantize(CENT) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


def id_ranges(ids: Iterable[int], span: int = RANGE_SPAN) -> list[tuple[int, int]]:
    """Group ids into (low, high) ranges no wider than ``span``."""
    ranges: list[tuple[int, int]] = []
    for value in sorted(set(ids)):
        if ranges and value - ranges[-1][0] < span:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return ranges


def read_manage_invoices(manage: Any, ids: Iterable[int]) -> dict[int, dict]:
    """Return {invoice id: record} of Manage's invoices, read by id ranges."""
    wanted = set(ids)
    found: dict[int, dict] = {}
    for low, high in id_ranges(wanted):
        condition = C.and_(C.gte("id", low), C.lte("id", high))
        for record in manage.iter_invoices(condition, fields=MANAGE_FIELDS):
            if record.get("id") in wanted:
                found[record["id"]] = record
    return found


def read_qbo(qbo: Any, sent: list[Sent]) -> dict[tuple[str, str], dict]:
    """Return {(entity, Id): document} of the QBO documents cwqbo created, by IN queries."""
    by_entity: dict[str, set[str]] = {}
    for s in sent:
        by_entity.setdefault(s.qbo_entity, set()).add(str(s.qbo_id))
    found: dict[tuple[str, str], dict] = {}
    for entity, ids in sorted(by_entity.items()):
        for sql in in_queries(entity, "Id", sorted(ids, key=lambda i: (len(i), i))):
            for doc in qbo.query_all(sql):
                found[(entity, str(doc.get("Id")))] = doc
    return found


def _calls(manage: Any, qbo: Any) -> tuple[int, int]:
    return getattr(getattr(manage, "transport", None), "calls", 0), getattr(qbo, "calls", 0)


def reconcile(sent: list[Sent], manage: Any, qbo: Any) -> Report:
    """Compare every sent transaction with Manage and QBO; flag what differs."""
    manage_before, qbo_before = _calls(manage, qbo)
    invoice_ids = [s.manage_invoice_id for s in sent if s.manage_invoice_id is not None]
    invoices = read_manage_invoices(manage, invoice_ids) if invoice_ids else {}
    documents = read_qbo(qbo, sent) if sent else {}
    lines = [_compare(s, invoices, documents) for s in sent]
    manage_after, qbo_after = _calls(manage, qbo)
    return Report(lines, {"manage": manage_after - manage_before, "qbo": qbo_after - qbo_before})


def _compare(s: Sent, invoices: dict[int, dict], documents: dict) -> Line:
    line = Line(s)
    if s.manage_invoice_id is not None:
        record = invoices.get(s.manage_invoice_id)
        if record is None:
            line.flags.append(MISSING_IN_MANAGE)
        else:
            line.manage_total = money(record.get("total"))
            line.manage_balance = money(record.get("balance"))
    else:
        line.manage_total = money(s.total)
    doc = documents.get((s.qbo_entity, str(s.qbo_id)))
    if doc is None:
        line.flags.append(MISSING_IN_QBO)
        return line
    line.qbo_total = money(doc.get("TotalAmt"))
    line.qbo_balance = money(doc.get("Balance")) if "Balance" in doc else None
    if str(doc.get("PrivateNote") or "").startswith("Voided"):
        line.flags.append(VOIDED_IN_QBO)
        return line
    if line.manage_total is not None and line.manage_total != line.qbo_total:
        line.flags.append(TOTAL_DIFFERS)
    if (
        line.manage_balance is not None
        and line.qbo_balance is not None
        and line.manage_balance != line.qbo_balance
    ):
        line.flags.append(BALANCE_DIFFERS)
    return line
