"""The statistics, aggregated in SQL: one grouped count, one page of actions.

An action is one transaction of a batch (a BatchTransaction row); its type is the row's
kind, so each kind appears here as soon as batches of it exist. The date is when its
batch was submitted. Both queries are covered by the indexes of cwqbo/models/stats.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import contains_eager

from cwqbo.batches.service import ENABLED_KINDS
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction

T = BatchTransaction
# Types in the order the chart lists them; a kind not named here shows by its own name.
TYPE_LABELS = {
    "invoices": "Invoice",
    "expenses": "Expense",
    "products": "Item receipt",
    "payments": "Payment",
}
# The transaction status filter: each group names the row states it holds.
STATUS_GROUPS = {
    "transferred": ("Transferred", (T.BATCHED, T.SKIPPED)),
    "failed": ("Failed", (T.FAILED,)),
    "unbatched": ("Unbatched", (T.UNBATCHED,)),
    "elsewhere": ("Sent in another batch", (T.ELSEWHERE,)),  # issue 13 §5
    "unfinished": ("Not finished", (T.SELECTED, T.VALIDATED, T.SENDING, T.IN_QBO)),
}
GROUP_OF = {state: key for key, (_, states) in STATUS_GROUPS.items() for state in states}
PER_PAGE = 50


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind.replace("_", " ").capitalize())


@dataclass
class Filters:
    config_id: int | None = None
    status: str = ""  # a STATUS_GROUPS key, or "" for every status
    date_from: date | None = None
    date_to: date | None = None
    type: str = ""  # the type whose actions are listed, or ""
    problems: list[str] = field(default_factory=list)

    def args(self, **override) -> dict:
        """Return the filters as URL arguments (empty ones left out)."""
        values = {
            "config_id": self.config_id,
            "status": self.status,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "type": self.type,
        } | override
        return {k: v for k, v in values.items() if v}


@dataclass
class TypeCount:
    kind: str
    label: str
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _day(args, name: str, label: str, problems: list[str]) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{label} {value!r} is not a date: use the form 2026-12-31.")
        return None


def parse_filters(args, config_ids: set[int]) -> Filters:
    """Read the filters from request arguments; anything unreadable is named and ignored."""
    problems: list[str] = []
    config = (args.get("config_id") or "").strip()
    config_id = int(config) if config.isdigit() and int(config) in config_ids else None
    if config and config_id is None:
        problems.append("That QuickBooks Online configuration does not exist: pick one listed.")
    status = (args.get("status") or "").strip()
    if status and status not in STATUS_GROUPS:
        problems.append(f"Unknown transaction status {status!r}: pick one listed.")
        status = ""
    date_from = _day(args, "date_from", "Start date", problems)
    date_to = _day(args, "date_to", "End date", problems)
    if date_from and date_to and date_from > date_to:
        problems.append("The start date is after the end date: swap them.")
        date_from, date_to = date_to, date_from
    kind = (args.get("type") or "").strip()
    if kind and not kind.replace("_", "").isalnum():
        kind = ""
    return Filters(config_id, status, date_from, date_to, kind[:16], problems)


def _where(query, filters: Filters):
    query = query.join(Batch, Batch.id == T.batch_id)
    if filters.config_id:
        query = query.where(Batch.config_id == filters.config_id)
    if filters.status:
        query = query.where(T.state.in_(STATUS_GROUPS[filters.status][1]))
    if filters.date_from:
        query = query.where(
            Batch.created_at >= datetime.combine(filters.date_from, datetime.min.time())
        )
    if filters.date_to and filters.date_to < date.max:
        end = filters.date_to + timedelta(days=1)
        query = query.where(Batch.created_at < datetime.combine(end, datetime.min.time()))
    return query


def counts(filters: Filters) -> list[TypeCount]:
    """Return each type's number of actions, split by status group (one grouped query)."""
    rows = db.session.execute(
        _where(db.select(T.kind, T.state, db.func.count()), filters).group_by(T.kind, T.state)
    ).all()
    found: dict[str, TypeCount] = {k: TypeCount(k, type_label(k)) for k in ENABLED_KINDS}
    for kind, state, number in rows:
        entry = found.setdefault(kind, TypeCount(kind, type_label(kind)))
        group = GROUP_OF.get(state, "unfinished")
        entry.by_status[group] = entry.by_status.get(group, 0) + number
        entry.total += number
    order = list(TYPE_LABELS)
    return sorted(
        found.values(), key=lambda c: (order.index(c.kind) if c.kind in order else 99, c.kind)
    )


def actions(filters: Filters, page: int):
    """Return one page of the chosen type's actions, newest batch first."""
    query = _where(db.select(T), filters).where(T.kind == filters.type)
    query = query.options(contains_eager(T.batch))
    query = query.order_by(Batch.created_at.desc(), T.batch_id.desc(), T.position, T.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)
