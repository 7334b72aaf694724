"""What the dashboard shows beside the configurations: recent batches, counts, attention."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import aliased

from cwqbo.batches.report import BATCH_STATUS_LABELS
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction
from cwqbo.models.user import utcnow
from cwqbo.web.hints import to_do
from cwqbo.wording import plural

RECENT = 8
ATTENTION = 10
STATUS_TONES = {
    Batch.QUEUED: "warn",
    Batch.RUNNING: "warn",
    Batch.SUCCEEDED: "ok",
    Batch.FAILED: "bad",
}
SENT = (BatchTransaction.BATCHED, BatchTransaction.SKIPPED, BatchTransaction.UNBATCHED)
WAITING = (
    BatchTransaction.SELECTED,
    BatchTransaction.VALIDATED,
    BatchTransaction.SENDING,
    BatchTransaction.IN_QBO,
)


def recent_batches(limit: int = RECENT) -> list[dict]:
    """Return the latest batches with their state and transaction counts."""
    batches = db.session.scalars(
        db.select(Batch)
        .where(Batch.identifier.is_not(None))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(limit)
    ).all()
    counts = _states_by_batch([b.id for b in batches])
    return [
        {
            "identifier": b.identifier,
            "kind": b.kind_label,
            "status": BATCH_STATUS_LABELS.get(b.status, b.status),
            "tone": STATUS_TONES.get(b.status, "muted"),
            "created_at": b.created_at,
            "total": sum(counts.get(b.id, {}).values()),
            "failed": counts.get(b.id, {}).get(BatchTransaction.FAILED, 0),
            "url": url_for("batches.status", identifier=b.identifier),
        }
        for b in batches
    ]


def _states_by_batch(batch_ids: list[int]) -> dict[int, dict[str, int]]:
    if not batch_ids:
        return {}
    rows = db.session.execute(
        db.select(BatchTransaction.batch_id, BatchTransaction.state, db.func.count())
        .where(BatchTransaction.batch_id.in_(batch_ids))
        .group_by(BatchTransaction.batch_id, BatchTransaction.state)
    )
    out: dict[int, dict[str, int]] = {}
    for batch_id, state, count in rows:
        out.setdefault(batch_id, {})[state] = count
    return out


def period_counts(now: datetime | None = None) -> list[dict]:
    """Return today's and this week's (from Monday, UTC) sent, failed and waiting counts."""
    now = now or utcnow()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    return [_counts("Today", today), _counts("This week", week)]


def _counts(label: str, since: datetime) -> dict:
    """Count the transactions of the batches submitted since ``since`` by where they are."""
    rows = db.session.execute(
        db.select(BatchTransaction.state, db.func.count())
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(Batch.created_at >= since, Batch.mode == Batch.TRANSFER)
        .group_by(BatchTransaction.state)
    )
    by_state = dict(rows.all())
    return {
        "label": label,
        "sent": sum(by_state.get(s, 0) for s in SENT),
        "failed": by_state.get(BatchTransaction.FAILED, 0),
        "waiting": sum(by_state.get(s, 0) for s in WAITING),
    }


def _still_failed():
    """Failed transactions not since sent, unbatched or sent again in a later batch."""
    later = aliased(BatchTransaction)
    resolved = (
        db.select(later.id)
        .where(
            later.kind == BatchTransaction.kind,
            later.manage_id == BatchTransaction.manage_id,
            later.id > BatchTransaction.id,
        )
        .exists()
    )
    return BatchTransaction.state == BatchTransaction.FAILED, ~resolved


def failed_transactions(limit: int = ATTENTION) -> tuple[int, list[dict]]:
    """Return how many transactions still need fixing, and the latest, each with its link."""
    conditions = _still_failed()
    total = db.session.scalar(db.select(db.func.count(BatchTransaction.id)).where(*conditions))
    rows = db.session.execute(
        db.select(BatchTransaction, Batch.identifier)
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(*conditions)
        .order_by(BatchTransaction.id.desc())
        .limit(limit)
    ).all()
    return total or 0, [
        {
            "label": f"{_noun(tx.kind)} {tx.number or tx.manage_id}",
            "batch": identifier,
            "message": _first_problem(tx),
            "url": url_for("batches.status", identifier=identifier, _anchor=f"tx-{tx.id}"),
        }
        for tx, identifier in rows
    ]


def _noun(kind: str) -> str:
    nouns = {
        "invoices": "Invoice",
        "expenses": "Expense",
        "products": "Item receipt",
        "payments": "Payment sync of invoice",
    }
    return nouns.get(kind, "Transaction")


def _first_problem(tx: BatchTransaction) -> str:
    for problem in tx.problems or []:
        if isinstance(problem, dict) and problem.get("message"):
            return f"{problem['message']} {problem.get('fix', '')}".strip()
    return tx.message or "It failed; its batch says why."


def running_batch() -> Batch | None:
    """Return the latest batch still waiting or running."""
    return db.session.scalar(
        db.select(Batch)
        .where(Batch.identifier.is_not(None), Batch.status.in_((Batch.QUEUED, Batch.RUNNING)))
        .order_by(Batch.id.desc())
        .limit(1)
    )


def next_step(
    configurations: list[dict], failed: int, any_batch: bool, running: Batch | None
) -> dict:
    """Return the one thing to do next, true for the current state (first that applies)."""
    admin = current_user.is_admin
    manage, qbo = configurations[0], configurations[1:]
    if manage["tone"] != "ok":
        return {"text": manage["next_step"], "url": manage["url"]}
    ready = [c for c in qbo if c["tone"] == "ok"]
    if not ready:
        broken = next((c for c in qbo if c["url"]), None)
        return {
            "text": "Connect a QuickBooks Online company."
            if admin
            else to_do("connect a QuickBooks Online company (Set Up QuickBooks Online)."),
            "url": broken["url"] if broken else _url("settings.quickbooks", admin),
        }
    if running is not None:
        state = BATCH_STATUS_LABELS.get(running.status, running.status).lower()
        return {
            "text": f"Batch {running.identifier} is {state}: follow it on its status page.",
            "url": url_for("batches.status", identifier=running.identifier),
        }
    if failed:
        return {
            "text": f"Fix what stops {plural(failed, 'failed transaction')} (each one below "
            "names the fix), then retry its batch.",
            "url": "#attention",
        }
    if not any_batch:
        return {
            "text": "Run your first batch: Run New Batch › Create Invoice Batch.",
            "url": _url("batches.select", True, kind="invoices"),
        }
    return {
        "text": "Everything sent so far is in QuickBooks. Run a new batch when ConnectWise "
        "has new transactions.",
        "url": _url("batches.select", True, kind="invoices"),
    }


def _url(endpoint: str, allowed: bool, **args) -> str | None:
    return url_for(endpoint, **args) if allowed else None
