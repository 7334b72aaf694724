"""Review Existing Batch: open one by its Batch ID or a document's number, or pick (spec D7)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import redirect, render_template, request, url_for
from flask_login import login_required

from cwqbo.batches.payment_schedule import schedules as payment_schedules
from cwqbo.batches.report import BATCH_STATUS_LABELS
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration
from cwqbo.models.batch import KIND_LABELS
from cwqbo.pglimits import parse_id
from cwqbo.web.batches import bp

PER_PAGE = 25
FILTERS = ("kind", "status", "config_id", "date_from", "date_to")
STATUSES = tuple(BATCH_STATUS_LABELS.items())


def find(wanted: str) -> tuple[Batch, BatchTransaction | None] | None:
    """Return the batch with this Batch ID, or the one holding this Manage batch id, or
    this document number (invoice number, PO number, expense id)."""
    key = wanted.strip().upper()
    batch = db.session.scalar(db.select(Batch).where(db.func.upper(Batch.identifier) == key))
    if batch is not None:
        return batch, None
    # A Manage batch id like 2025-05-31-I10045 names one transaction; if it was unbatched
    # and batched again, the latest batch that still holds it wins. So for a number.
    for column, value in (
        (BatchTransaction.manage_batch_identifier, key),
        (BatchTransaction.number, key.removeprefix("#").strip()),
    ):
        tx = _latest(db.func.upper(column) == value) if value else None
        if tx is not None:
            return tx.batch, tx
    return None


def _latest(condition) -> BatchTransaction | None:
    return db.session.scalar(
        db.select(BatchTransaction)
        .where(condition)
        .order_by(
            (BatchTransaction.state == BatchTransaction.UNBATCHED).asc(),
            BatchTransaction.id.desc(),
        )
        .limit(1)
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(args) -> dict:
    config_id = args.get("config_id", "")
    return {
        "kind": args.get("kind") if args.get("kind") in KIND_LABELS else "",
        "status": args.get("status") if args.get("status") in dict(STATUSES) else "",
        "config_id": parse_id(config_id),
        "date_from": _day(args.get("date_from")),
        "date_to": _day(args.get("date_to")),
    }


def _query(filters: dict):
    query = db.select(Batch).where(Batch.identifier.is_not(None))
    if filters["kind"]:
        query = query.where(Batch.kind == filters["kind"])
    if filters["status"]:
        query = query.where(Batch.status == filters["status"])
    if filters["config_id"]:
        query = query.where(Batch.config_id == filters["config_id"])
    if filters["date_from"]:
        start = datetime.combine(filters["date_from"], datetime.min.time())
        query = query.where(Batch.created_at >= start)
    if filters["date_to"] and filters["date_to"] < date.max:
        end = datetime.combine(filters["date_to"] + timedelta(days=1), datetime.min.time())
        query = query.where(Batch.created_at < end)
    return query.order_by(Batch.created_at.desc(), Batch.id.desc())


def _counts(batch_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Return {batch id: (transactions, failed)} for a page of batches."""
    if not batch_ids:
        return {}
    failed = db.func.sum(db.case((BatchTransaction.state == BatchTransaction.FAILED, 1), else_=0))
    rows = db.session.execute(
        db.select(BatchTransaction.batch_id, db.func.count(), failed)
        .where(BatchTransaction.batch_id.in_(batch_ids))
        .group_by(BatchTransaction.batch_id)
    )
    return {batch_id: (total, int(bad or 0)) for batch_id, total, bad in rows}


@bp.get("/review")
@login_required
def review():
    wanted = request.args.get("batch_id", "").strip()
    problem = None
    if wanted:
        found = find(wanted)
        if found is not None:
            batch, tx = found
            anchor = f"tx-{tx.id}" if tx is not None else None
            return redirect(url_for("batches.status", identifier=batch.identifier, _anchor=anchor))
        problem = (
            f"No batch has the Batch ID {wanted}. No transaction has it as its ConnectWise "
            "batch id or its number either. A Batch ID looks like INV-000042, the ConnectWise "
            "batch of one invoice like 2025-05-31-I10045; an invoice number (10045), PO number "
            "or expense id finds the batch that sent it."
        )
    filters = _filters(request.args)
    pagination = db.paginate(
        _query(filters),
        page=parse_id(request.args.get("page")) or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    args = {k: v for k, v in request.args.items() if k in FILTERS and v}
    return render_template(
        "batches/review.html",
        wanted=wanted,
        problem=problem,
        filters=filters,
        pagination=pagination,
        counts=_counts([b.id for b in pagination.items]),
        args=args,
        kinds=KIND_LABELS,
        statuses=STATUSES,
        configs=QBOConfiguration.ordered(),
        payment_schedules=payment_schedules(),  # each configuration's payment sync
    ), (404 if problem else 200)
