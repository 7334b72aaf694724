"""Execute one batch inside a worker: clients, settings, a lock, the runner, the outcome."""

from __future__ import annotations

import logging
import time
from functools import partial

from flask import current_app

from cwqbo.batches.lease import BatchLease, holder
from cwqbo.batches.store import DatabaseStore, RunStopped
from cwqbo.connections import NotConnected, manage_client, qbo_client
from cwqbo.connectwise import RetryPolicy
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog, BatchTransaction, ConfigurationOptions, TaxMapping
from cwqbo.models.pairing import Pairing
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOError
from cwqbo.transfer.kinds import KINDS
from cwqbo.transfer.runner import Runner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.wording import plural

log = logging.getLogger(__name__)

RUNNERS = {name: partial(Runner, kind) for name, kind in KINDS.items()}
CONTINUING = "Continuing:"
RUN_STARTED = "Run"  # the log line "Run 2 started." marks each run (report.runs_of)


def settings_for_config(config, invoice_detail: str) -> TransferSettings:
    """Return the transfer settings of a configuration's options and a batch's choices."""
    if config is None:
        return TransferSettings(invoice_detail=invoice_detail)
    options = db.session.get(ConfigurationOptions, config.id)
    settings = TransferSettings.from_options(
        options, TaxMapping.for_config(config), invoice_detail=invoice_detail
    )
    settings.pairings = Pairing.snapshot(config.id)
    return settings


def execute(batch_id: int) -> dict:
    """Run (or resume) a batch; only one worker at a time works on one batch.

    Returns the job's outcome: ``ran``, ``continued`` (a follow-up job goes on after the
    time budget), ``skipped`` (another worker holds the batch) or ``not-needed``.
    """
    lease = BatchLease(batch_id)
    if not lease.acquire():
        return _skipped(batch_id)
    try:
        result = _execute(batch_id, lease)
    finally:
        lease.release()
    if result["outcome"] == "continued":
        # After the lock is free, so the follow-up job is never turned away by it.
        _continue(batch_id)
    return result


def _skipped(batch_id: int) -> dict:
    who = holder(batch_id) or "a worker that has just finished"
    message = (
        f"A job for this batch did not run it: {who} holds its lock. If that worker has "
        "stopped, the lock expires and the batch is resumed automatically."
    )
    log.warning("batch %s: %s", batch_id, message)
    if db.session.get(Batch, batch_id) is not None:
        db.session.add(BatchLog(batch_id=batch_id, level="warning", message=message))
        db.session.commit()
    return {"outcome": "skipped", "message": message}


def _execute(batch_id: int, lease: BatchLease) -> dict:
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        log.warning("batch %s no longer exists; nothing to do", batch_id)
        return {"outcome": "not-needed", "message": "The batch no longer exists."}
    if batch.ended:  # a duplicate or late delivery: Retry queues the batch before its job
        log.info("batch %s already %s; not run again", batch_id, batch.status)
        return {"outcome": "not-needed", "message": f"The batch had already {batch.status}."}
    continuing = batch.status == Batch.QUEUED and batch.message.startswith(CONTINUING)
    batch.status, batch.finished_at = Batch.RUNNING, None
    if not continuing:
        batch.started_at = utcnow()
        batch.runs += 1
        db.session.add(BatchLog(batch_id=batch_id, message=f"{RUN_STARTED} {batch.runs} started."))
    batch.message = ""
    db.session.commit()
    deadline = time.monotonic() + current_app.config["BATCH_TIME_BUDGET"]
    store = DatabaseStore(batch, checkpoint=_checkpoint(lease, deadline))
    try:
        runner = _runner(batch, store)
        outcome = runner.run()
    except RunStopped as stop:
        db.session.rollback()
        return _stopped(batch_id, stop.reason, store)
    except NotConnected as exc:
        return {"outcome": "ran", **_end(batch_id, Batch.FAILED, str(exc))}
    except Exception as exc:
        db.session.rollback()
        log.exception("batch %s stopped", batch_id)
        _end(batch_id, Batch.FAILED, f"The batch stopped: {exc}. Retry resumes where it stopped.")
        raise
    if hasattr(outcome, "summary"):  # a payment sync words its own
        ok, message = outcome.ok, outcome.summary
    else:
        ok, message = whole_batch_summary(db.session.get(Batch, batch_id))
        calls = outcome.calls
        message += f" API calls in this run: Manage {calls['manage']}, QuickBooks {calls['qbo']}."
    _end(batch_id, Batch.SUCCEEDED if ok else Batch.FAILED, message)
    return {
        "outcome": "ran",
        "total": outcome.total,
        "done": outcome.done,
        "failed": outcome.failed,
    }


def whole_batch_summary(batch: Batch) -> tuple[bool, str]:
    """Return (nothing left to fix, the summary) over every transaction of the batch.

    Counted from the rows, so a retry that ran one transaction still describes all ten
    (issue 13 §6).
    """
    states = [t.state for t in batch.transactions]
    total = len(states)
    done = sum(s in (BatchTransaction.BATCHED, BatchTransaction.SKIPPED) for s in states)
    unbatched = states.count(BatchTransaction.UNBATCHED)
    elsewhere = states.count(BatchTransaction.ELSEWHERE)
    left = total - done - unbatched - elsewhere
    runs = f" over {batch.runs} runs" if batch.runs > 1 else ""
    # Sent and marked, but QBO's total is not Manage's (issue 13 §3): never plain success.
    review = sum(bool(t.review) and t.state == BatchTransaction.BATCHED for t in batch.transactions)
    if done == total and review:  # SUCCEEDED (nothing to retry), worded as not plain success
        return True, (
            f"All {plural(total, 'transaction')} completed{runs}; {review} need review: "
            "QuickBooks' total differs from ConnectWise's (see the status page)."
        )
    if done == total:
        return True, f"All {plural(total, 'transaction')} completed{runs}."
    parts = [f"{done} of {plural(total, 'transaction')} completed{runs}"]
    if elsewhere:
        parts.append(f"{elsewhere} sent or marked in another batch")
    if unbatched:
        parts.append(f"{unbatched} unbatched since")
    if left:
        parts.append(f"{left} need attention")
    if review:
        parts.append(f"{review} need review (totals differ)")
    return left == 0, "; ".join(parts) + "."


def _checkpoint(lease: BatchLease, deadline: float):
    def check(store: DatabaseStore) -> None:
        if lease.lost.is_set():
            raise RunStopped("lease")
        # Only once this job moved something on, so every follow-up job makes progress.
        if store.progress and time.monotonic() >= deadline:
            raise RunStopped("budget")

    return check


def _stopped(batch_id: int, reason: str, store: DatabaseStore) -> dict:
    if reason == "lease":  # another worker may be running it now: leave the rows to it
        message = "This worker lost the batch's lock and stopped; the batch is resumed."
        log.error("batch %s: %s", batch_id, message)
        db.session.add(BatchLog(batch_id=batch_id, level="warning", message=message))
        db.session.commit()
        return {"outcome": "lost-lock", "message": message}
    message = (
        f"{CONTINUING} this job used its time budget "
        f"({current_app.config['BATCH_TIME_BUDGET']} s) after moving "
        f"{plural(store.progress, 'transaction')} on; the rest follows in the next job."
    )
    batch = db.session.get(Batch, batch_id)
    batch.status, batch.message = Batch.QUEUED, message
    db.session.add(BatchLog(batch_id=batch_id, level="info", message=message))
    db.session.commit()
    return {"outcome": "continued", "progress": store.progress, "message": message}


def _continue(batch_id: int) -> None:
    from cwqbo.batches.service import enqueue_batch

    batch = db.session.get(Batch, batch_id)
    if batch is not None and batch.status == Batch.QUEUED:
        enqueue_batch(batch)
        db.session.commit()


def _runner(batch: Batch, store: DatabaseStore):
    runner_class = RUNNERS.get(batch.kind)
    if runner_class is None and batch.kind != "payments":
        raise NotConnected(f"{batch.kind_label} batches are not available yet.")
    mark_only = batch.mode == Batch.MARK_EXPORTED
    qbo = None
    if not mark_only:
        if batch.config is None:
            raise NotConnected("This batch has no QuickBooks configuration.")
        try:
            qbo = qbo_client(batch.config)
        except QBOError as exc:
            raise NotConnected(str(exc)) from exc
    backoff = current_app.config["API_RETRY_BACKOFF"]
    manage = manage_client(retry=RetryPolicy(backoff_base=backoff / 2))
    if batch.kind == "payments":  # payment sync (cwqbo.batches.payment_run)
        from cwqbo.batches.payment_run import PaymentRunner

        return PaymentRunner(batch, manage, qbo, store)
    runner = runner_class(
        batch.identifier,
        manage,
        qbo,
        store,
        settings_for_config(batch.config, batch.invoice_detail),
        mark_only=mark_only,
        backoff=backoff,
    )
    runner.mark_concurrency = current_app.config["MANAGE_MARK_CONCURRENCY"]
    return runner


def _end(batch_id: int, status: str, message: str) -> dict:
    batch = db.session.get(Batch, batch_id)
    batch.status, batch.finished_at, batch.message = status, utcnow(), message
    db.session.add(BatchLog(batch_id=batch_id, level="info", message=message))
    db.session.commit()
    return {"status": status, "message": message}
