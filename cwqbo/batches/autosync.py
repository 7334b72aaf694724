"""AutoSync (spec J1): each run sends every unposted transaction of the chosen kinds in
ordinary batches, sets aside what failed with its reason, and sends it again once the
configuration's mappings change. It never switches itself off.

A run is guarded by a Redis lock with a short TTL (``BATCH_LOCK_TTL``, like a batch's) that a
heartbeat thread renews, so an overlapping run is skipped, and the lock of a run whose worker
died expires on its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field

from flask import current_app

from cwqbo import audit
from cwqbo.batches.lease import holder
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import (
    AutoSyncSetting,
    Batch,
    BatchLog,
    BatchTransaction,
    ConfigurationOptions,
    ParkedTransaction,
    QBOConfiguration,
    TaxMapping,
)
from cwqbo.models.user import utcnow

log = logging.getLogger(__name__)
BATCH_KINDS = {"invoices": "invoices", "expenses": "expenses", "inventory": "products"}
POLL_SECONDS = 1.0
RUN_TIMEOUT = 3300  # a run waits this long at most for its batches (its job has 3600 s)


@dataclass
class RunReport:
    """What one AutoSync run did: the batches it made, what it set aside, what it sent."""

    batches: list[str] = field(default_factory=list)
    sent: int = 0
    failed: list[ParkedTransaction] = field(default_factory=list)
    waiting: int = 0  # parked and not tried again: their mapping has not changed
    notes: list[str] = field(default_factory=list)

    def as_result(self) -> dict:
        return {
            "outcome": "ran",
            "batches": self.batches,
            "sent": self.sent,
            "failed": len(self.failed),
            "waiting": self.waiting,
            "message": self.message,
        }

    @property
    def message(self) -> str:
        made = ", ".join(self.batches) if self.batches else "no batch (nothing new to send)"
        text = f"AutoSync made {made}: {self.sent} sent, {len(self.failed)} failed"
        text += f", {self.waiting} set aside until their mapping changes."
        return " ".join([text, *self.notes])


def fingerprint(config_id: int) -> str:
    """Return a digest of the configuration's options and tax mappings (what a failure needs)."""
    options = db.session.get(ConfigurationOptions, config_id)
    values = {}
    if options is not None:
        for column in ConfigurationOptions.__table__.columns:
            if column.name != "updated_at":
                values[column.name] = getattr(options, column.key)
    taxes = db.session.scalars(db.select(TaxMapping).where(TaxMapping.config_id == config_id)).all()
    values["tax_mappings"] = sorted((t.manage_tax_code_id, t.qbo_tax_code_id) for t in taxes)
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run_autosync(config_id: int) -> dict:
    """Run AutoSync of one configuration now, unless its previous run still holds the lock."""
    config = db.session.get(QBOConfiguration, config_id)
    setting = db.session.get(AutoSyncSetting, config_id)
    name = config.name if config is not None else f"Configuration {config_id}"
    if config is None or setting is None or not setting.enabled:
        _unschedule(name)
        return {"outcome": "skipped", "message": f"Skipped: AutoSync of {name} is off."}
    if not config.is_connected:
        _unschedule(name)
        return {"outcome": "skipped", "message": f"Skipped: {name} is not connected."}
    ttl = int(current_app.config["BATCH_LOCK_TTL"])  # renewed every ttl/3 while the run lives
    lock = get_redis().lock(
        f"{KEY_PREFIX}lock:autosync:{config_id}",
        timeout=ttl,
        blocking=False,
        thread_local=False,  # renewed from the heartbeat thread
    )
    if not lock.acquire():
        log.warning("AutoSync of %s skipped: its previous run is still going", name)
        return {
            "outcome": "skipped",
            "message": f"Skipped: the previous AutoSync run of {name} is still going.",
        }
    beat = _Heartbeat(lock, ttl / 3)
    beat.start()
    try:
        setting.last_started_at = utcnow()
        db.session.commit()
        report = _run(config, setting)
    finally:
        beat.stop()
        try:
            lock.release()
        except Exception:  # expired: nothing left to free
            log.warning("AutoSync lock of %s had expired", name)
    if report.failed:
        from cwqbo.batches.autosync_mail import email_admins_failures

        email_admins_failures(config, report)
    return report.as_result()


def _unschedule(name: str) -> None:
    """Register the schedule again, so an entry left for a run that should not be goes."""
    from cwqbo.jobs.schedule import reschedule_payment_sync

    try:
        reschedule_payment_sync()  # the whole schedule, from the database as it is now
    except Exception:  # the next registration (scheduler start, a saved tab) does it
        log.exception("could not drop the AutoSync entry of %s from the schedule", name)


class _Heartbeat(threading.Thread):
    def __init__(self, lock, every: float) -> None:
        super().__init__(daemon=True)
        self.lock, self.every, self.stopped = lock, every, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.lock.reacquire()
            except Exception:
                log.warning("AutoSync lock %s lost", self.lock.name)
                return

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _run(config: QBOConfiguration, setting: AutoSyncSetting) -> RunReport:
    from cwqbo.batches.service import SelectionError

    report = RunReport()
    ConfigurationOptions.for_config(config)  # stored defaults: the same digest every run
    db.session.commit()
    mark = fingerprint(config.id)
    for kind in [k for k in setting.kinds if k in BATCH_KINDS]:
        try:
            batch = _start_batch(config, setting, BATCH_KINDS[kind], mark, report)
        except SelectionError as exc:
            report.notes.append(f"{kind.capitalize()}: {exc}")
            continue
        if batch is not None:
            _collect(config, _drive(batch.id), mark, report)
    if "payments" in setting.kinds:
        report.notes.append(_start_payments(config))
    return report


def _start_batch(config, setting, kind: str, mark: str, report: RunReport) -> Batch | None:
    """Create the batch of every unposted transaction of ``kind`` not set aside; or None."""
    from cwqbo.batches.service import SelectionError, create_batch
    from cwqbo.cli_batch import unposted_ids
    from cwqbo.connections import NotConnected
    from cwqbo.connectwise import ManageError

    location = int(setting.location_id) if setting.location_id else None
    try:
        ids, _left_out = unposted_ids(kind, location)
    except (ManageError, NotConnected) as exc:
        raise SelectionError(f"ConnectWise could not list the unposted {kind}: {exc}") from exc
    parked = {
        p.manage_id: p
        for p in db.session.scalars(
            db.select(ParkedTransaction).where(
                ParkedTransaction.config_id == config.id, ParkedTransaction.kind == kind
            )
        )
    }
    unposted = set(ids)
    for manage_id, row in parked.items():
        if manage_id not in unposted and not _held(kind, manage_id):
            db.session.delete(row)  # sent or removed some other way: nothing left to retry
    waiting = [i for i in ids if i in parked and parked[i].fingerprint == mark]
    report.waiting += len(waiting)
    send = [i for i in ids if i not in waiting]
    db.session.commit()
    if not send:
        return None
    options = ConfigurationOptions.for_config(config)
    batch = create_batch(
        kind,
        config,
        send,
        invoice_detail=options.invoice_detail,
        location_id=location,
        location_name=setting.location_name if location else None,
        user_id=None,
    )
    retried = len([i for i in send if i in parked])
    again = f", {retried} of them set aside before and tried again" if retried else ""
    db.session.add(
        BatchLog(
            batch_id=batch.id,
            message=f"Started by AutoSync of {config.name} (every "
            f"{setting.interval_minutes} min): {len(send)} unposted {kind}{again}.",
        )
    )
    db.session.commit()
    audit.record("batch_run", batch.identifier, detail=f"{len(send)} {kind} by AutoSync")
    report.batches.append(batch.identifier)
    return batch


def _held(kind: str, manage_id: str) -> bool:
    from cwqbo.batches.service import claimed

    return bool(claimed(kind, [manage_id]))


def _drive(batch_id: int) -> Batch:
    """Run the batch here (or wait for the worker that holds it) until it ends."""
    from cwqbo.batches.execution import execute

    deadline = time.monotonic() + RUN_TIMEOUT
    pause = threading.Event()
    while True:
        db.session.expire_all()
        batch = db.session.get(Batch, batch_id)
        if batch.ended or time.monotonic() >= deadline:
            return batch
        if holder(batch_id) is None:
            execute(batch_id)
        else:
            pause.wait(POLL_SECONDS)  # a transfers worker has it: let it finish


def _collect(config, batch: Batch, mark: str, report: RunReport) -> None:
    """Set aside the batch's failed transactions; forget those that went through."""
    if not batch.ended:
        report.notes.append(f"{batch.identifier} had not ended when this run stopped waiting.")
    for tx in db.session.scalars(
        db.select(BatchTransaction).where(BatchTransaction.batch_id == batch.id)
    ):
        parked = db.session.scalar(
            db.select(ParkedTransaction).where(
                ParkedTransaction.config_id == config.id,
                ParkedTransaction.kind == tx.kind,
                ParkedTransaction.manage_id == tx.manage_id,
            )
        )
        if tx.state == BatchTransaction.FAILED:
            if parked is None:
                parked = ParkedTransaction(config_id=config.id, kind=tx.kind, attempts=0)
                parked.manage_id = tx.manage_id
                db.session.add(parked)
            parked.number, parked.reason, parked.fingerprint = tx.number, reason(tx), mark
            parked.batch_id, parked.transaction_id = batch.id, tx.id
            parked.attempts = (parked.attempts or 0) + 1
            parked.parked_at = utcnow()
            report.failed.append(parked)
        elif tx.state in BatchTransaction.FINAL:
            report.sent += 1
            if parked is not None:
                db.session.delete(parked)
    db.session.commit()


def reason(tx: BatchTransaction) -> str:
    """Return why a transaction failed, with the fix its problems name."""
    parts = [f"{p.get('message', '')} {p.get('fix', '')}".strip() for p in tx.problems or []]
    return " ".join(p for p in parts if p) or tx.message or "It failed without a reason."


def _start_payments(config: QBOConfiguration) -> str:
    from cwqbo.batches.payment_run import AlreadyRunning, start_payment_sync
    from cwqbo.batches.service import SelectionError

    try:
        run = start_payment_sync(config, None, "Started by AutoSync")
    except AlreadyRunning as exc:
        return f"Payments: {exc}"
    except SelectionError as exc:
        return f"Payments: {exc}"
    return f"Payment sync {run.identifier} started."
