"""Nothing stuck: Retry of a batch that is not running, and the sweeper's resume of dead runs.

A batch is "actually running" only while a worker holds its lock (the lock dies with its
holder, see lease.py). Everything else can be resumed from its rows (STYLE habit 13).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from cwqbo.batches.lease import holder
from cwqbo.batches.service import (
    SelectionError,
    _log_and_enqueue,
    _user_name,
    claimed,
    enqueue_batch,
)
from cwqbo.extensions import db
from cwqbo.jobs import job_waiting
from cwqbo.models import Batch, BatchLog, BatchTransaction
from cwqbo.models.user import utcnow
from cwqbo.wording import plural

log = logging.getLogger(__name__)


def is_running(batch: Batch) -> bool:
    """Say whether a worker holds the batch right now (its lock lives only with it)."""
    return batch.status == Batch.RUNNING and holder(batch.id) is not None


def is_waiting(batch: Batch) -> bool:
    """Say whether a queued batch's job is still waiting in RQ for a worker."""
    return batch.status == Batch.QUEUED and job_waiting(batch.job_id)


def is_stuck(batch: Batch) -> bool:
    """Say whether an unfinished batch has shown no sign of life for BATCH_STALE_AFTER.

    No worker holds it and no job of it waits: the sweeper resumes it on its next round.
    """
    if batch.ended:
        return False
    last = batch.heartbeat_at or batch.started_at or batch.created_at
    stale_after = timedelta(seconds=current_app.config["BATCH_STALE_AFTER"])
    if last is not None and utcnow() - last < stale_after:
        return False
    return holder(batch.id) is None and not is_waiting(batch)


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = max(0, int((utcnow() - when).total_seconds()))
    return f"{seconds} s ago"


def _lock(batch: Batch) -> Batch:
    """Re-read the batch under a row lock, so Retry and the sweeper never both queue it."""
    db.session.refresh(batch, with_for_update=True)
    return batch


def retry(batch: Batch, user_id: int | None) -> tuple[int, str]:
    """Queue what is left of a batch that is not running; return (count, what was done)."""
    batch = _lock(batch)
    if is_running(batch):
        db.session.rollback()
        raise SelectionError(
            f"This batch is running (its worker reported {_ago(batch.heartbeat_at)}); "
            "retry once it has ended."
        )
    if is_waiting(batch):
        db.session.rollback()
        raise SelectionError(
            "This batch is already queued and starts as soon as a worker is free; "
            "nothing to retry yet."
        )
    pending = [t for t in batch.transactions if not t.final]
    if not pending and batch.ended:
        db.session.rollback()
        raise SelectionError("Every transaction of this batch has completed; nothing to retry.")
    held = claimed(batch.kind, [t.manage_id for t in pending if t.claim is None])
    count = 0
    for tx in pending:
        if tx.claim is None and tx.manage_id in held:
            tx.message = f"Not retried: it is now in batch {held[tx.manage_id]}."
            continue
        tx.claim = BatchTransaction.claim_key(tx.kind, tx.manage_id)
        if tx.state == BatchTransaction.FAILED:
            tx.state, tx.problems = BatchTransaction.SELECTED, []
        tx.message = ""
        count += 1
    if pending and not count:
        db.session.rollback()
        raise SelectionError("The failed transactions are now in other batches; nothing to retry.")
    message = _retry_message(batch, count, user_id)
    batch.status = Batch.QUEUED
    _log_and_enqueue(batch, user_id, message)
    return count, message


def _retry_message(batch: Batch, count: int, user_id: int | None) -> str:
    who = _user_name(user_id)
    if batch.status == Batch.RUNNING:
        return (
            f"Resumed by {who}: its worker had stopped (last heartbeat "
            f"{_ago(batch.heartbeat_at)}); {plural(count, 'transaction')} continue where "
            "they stopped."
        )
    if batch.status == Batch.QUEUED:
        return f"Queued again by {who}: its job was lost; {plural(count, 'transaction')} to go."
    return f"Retrying {plural(count, 'transaction')}, as {who} asked."


def sweep(stale_after: int) -> list[str]:
    """Queue again every batch whose worker died or whose job vanished; return their ids.

    Idempotent: a batch whose lock is held, or whose job still waits, is left alone; rows
    another sweeper is handling are skipped (SKIP LOCKED on PostgreSQL; on SQLite the
    sweeps queue for its write lock).
    """
    db.session.commit()  # start a transaction of its own
    if db.session.get_bind().dialect.name == "sqlite":
        # No row locks on SQLite: take its write lock before reading, so two sweeps run
        # one after the other and the second sees what the first queued.
        db.session.execute(db.text("BEGIN IMMEDIATE"))
    cutoff = utcnow() - timedelta(seconds=stale_after)
    candidates = db.session.scalars(
        db.select(Batch)
        .where(
            Batch.status.in_((Batch.RUNNING, Batch.QUEUED)),
            db.func.coalesce(Batch.heartbeat_at, Batch.created_at) < cutoff,
        )
        .order_by(Batch.id)
        .with_for_update(skip_locked=True)
    ).all()
    resumed = []
    for batch in candidates:
        if holder(batch.id) is not None or is_waiting(batch):
            continue  # alive, or about to start
        if batch.status == Batch.RUNNING:
            message = (
                f"Resumed automatically: its worker stopped (last heartbeat "
                f"{_ago(batch.heartbeat_at)}); it continues where it stopped."
            )
        else:
            message = "Queued again automatically: its job was lost before it ran."
        log.warning("batch %s: %s", batch.identifier, message)
        db.session.add(BatchLog(batch_id=batch.id, level="warning", message=message))
        batch.status = Batch.QUEUED
        enqueue_batch(batch)
        resumed.append(batch.identifier)
    db.session.commit()
    return resumed
