"""Execute one batch inside a worker: clients, settings, a lock, the runner, the outcome."""

from __future__ import annotations

import logging

from flask import current_app

from cwqbo.batches.store import DatabaseStore
from cwqbo.connections import NotConnected, manage_client, qbo_client
from cwqbo.connectwise import RetryPolicy
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import Batch, BatchLog, ConfigurationOptions, TaxMapping
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOError
from cwqbo.transfer.runner import InvoiceRunner
from cwqbo.transfer.settings import TransferSettings

log = logging.getLogger(__name__)

RUNNERS = {"invoices": InvoiceRunner}


def settings_for_config(config, invoice_detail: str) -> TransferSettings:
    """Return the transfer settings of a configuration's options and a batch's choices."""
    if config is None:
        return TransferSettings(invoice_detail=invoice_detail)
    options = db.session.get(ConfigurationOptions, config.id)
    return TransferSettings.from_options(
        options, TaxMapping.for_config(config), invoice_detail=invoice_detail
    )


def execute(batch_id: int) -> dict | None:
    """Run (or resume) a batch; only one worker at a time works on one batch."""
    lock = get_redis().lock(f"{KEY_PREFIX}lock:batch:{batch_id}", timeout=3 * 3600, blocking=False)
    if not lock.acquire():
        log.info("batch %s is being run by another worker; skipped", batch_id)
        return None
    try:
        return _execute(batch_id)
    finally:
        try:
            lock.release()
        except Exception:  # the lock may have expired on a very long run
            log.warning("lock of batch %s had expired", batch_id)


def _execute(batch_id: int) -> dict | None:
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        log.warning("batch %s no longer exists; nothing to do", batch_id)
        return None
    batch.status, batch.started_at, batch.finished_at = Batch.RUNNING, utcnow(), None
    batch.runs += 1
    batch.message = ""
    db.session.commit()
    store = DatabaseStore(batch)
    try:
        runner = _runner(batch, store)
        outcome = runner.run()
    except NotConnected as exc:
        return _end(batch_id, Batch.FAILED, str(exc))
    except Exception as exc:
        db.session.rollback()
        log.exception("batch %s stopped", batch_id)
        _end(batch_id, Batch.FAILED, f"The batch stopped: {exc}. Retry resumes where it stopped.")
        raise
    if outcome.ok:
        message = f"All {outcome.total} transaction(s) completed."
    else:
        message = (
            f"{outcome.done} of {outcome.total} transaction(s) completed; "
            f"{outcome.failed} need attention."
        )
    message += f" API calls: Manage {outcome.calls['manage']}, QuickBooks {outcome.calls['qbo']}."
    _end(batch_id, Batch.SUCCEEDED if outcome.ok else Batch.FAILED, message)
    return {"total": outcome.total, "done": outcome.done, "failed": outcome.failed}


def _runner(batch: Batch, store: DatabaseStore):
    runner_class = RUNNERS.get(batch.kind)
    if runner_class is None:
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
    return runner_class(
        batch.identifier,
        manage,
        qbo,
        store,
        settings_for_config(batch.config, batch.invoice_detail),
        mark_only=mark_only,
        backoff=backoff,
    )


def _end(batch_id: int, status: str, message: str) -> dict:
    batch = db.session.get(Batch, batch_id)
    batch.status, batch.finished_at, batch.message = status, utcnow(), message
    db.session.add(BatchLog(batch_id=batch_id, level="info", message=message))
    db.session.commit()
    return {"status": status, "message": message}
