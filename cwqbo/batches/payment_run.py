"""App glue for payment sync: start a run (a Batch of kind ``payments``) and build its runner.

A run is queued and executed like any batch (cwqbo.batches.execution): the same lock with
heartbeat, time budget, sweeper, Retry, status page and log.
"""

from __future__ import annotations

import logging

from flask import current_app

from cwqbo.batches.payment_store import KIND, PaymentStore
from cwqbo.batches.service import SelectionError, _log_and_enqueue, _user_name
from cwqbo.batches.store import DatabaseStore
from cwqbo.connectwise import assumptions
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration
from cwqbo.transfer.payments import PaymentSync

log = logging.getLogger(__name__)
MODE = "payment_sync"
ACTIVE = (Batch.QUEUED, Batch.RUNNING)
# How the status page names a payment sync's invoice rows.
PAYMENT_TX_LABELS = {
    BatchTransaction.BATCHED: "In step with QuickBooks",
    BatchTransaction.FAILED: "Needs attention",
}


class AlreadyRunning(SelectionError):
    """A payment sync of this configuration is queued or running: ``run`` names it."""

    def __init__(self, run: Batch) -> None:
        self.run = run
        super().__init__(
            f"Payment sync {run.identifier} of this configuration is already "
            f"{'running' if run.status == Batch.RUNNING else 'waiting to start'}."
        )


def multiple_per_invoice() -> bool:
    """One Manage payment per QBO payment (True) or one summed payment per invoice."""
    value = current_app.config.get("PAYMENTS_MULTIPLE_PER_INVOICE")
    return assumptions.MULTIPLE_PAYMENTS_PER_INVOICE if value is None else bool(value)


def active_run(config_id: int) -> Batch | None:
    return db.session.scalar(
        db.select(Batch)
        .where(Batch.kind == KIND, Batch.config_id == config_id, Batch.status.in_(ACTIVE))
        .order_by(Batch.id)
        .limit(1)
    )


def last_run(config_id: int) -> Batch | None:
    return db.session.scalar(
        db.select(Batch)
        .where(Batch.kind == KIND, Batch.config_id == config_id)
        .order_by(Batch.id.desc())
        .limit(1)
    )


def start_payment_sync(config: QBOConfiguration, user_id: int | None, trigger: str = "") -> Batch:
    """Create a payment-sync run of one configuration, commit it, then enqueue its job.

    Refuses (AlreadyRunning) while another run of the same configuration is queued or
    running, so two runs never write the same invoices at once.
    """
    if config is None or not config.is_connected:
        name = config.name if config is not None else "That configuration"
        raise SelectionError(f"{name} is not connected to QuickBooks Online; connect it first.")
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(db.text("BEGIN IMMEDIATE"))  # one start at a time
    else:
        db.session.refresh(config, with_for_update=True)
    running = active_run(config.id)
    if running is not None:
        db.session.rollback()
        raise AlreadyRunning(running)
    batch = Batch(kind=KIND, mode=MODE, config_id=config.id, created_by_id=user_id)
    db.session.add(batch)
    db.session.flush()
    batch.assign_identifier()
    who = trigger or f"Started by {_user_name(user_id)}"
    _log_and_enqueue(batch, user_id, f"Payment sync of {config.name}: {who}.")
    return batch


class PaymentRunner:
    """What execution.py runs for a batch of kind ``payments``."""

    def __init__(self, batch: Batch, manage, qbo, store: DatabaseStore) -> None:
        self.sync = PaymentSync(
            manage, qbo, PaymentStore(store, batch), multiple=multiple_per_invoice()
        )

    def run(self):
        return self.sync.run()


def scheduled_payment_sync(config_id: int) -> dict:
    """Start a configuration's daily run; say so, or why it was skipped."""
    config = db.session.get(QBOConfiguration, config_id)
    if config is None or not config.is_connected:
        name = config.name if config is not None else f"Configuration {config_id}"
        return {"outcome": "skipped", "message": f"Skipped: {name} is not connected."}
    try:
        batch = start_payment_sync(config, None, "Started by the daily schedule")
    except AlreadyRunning as exc:
        log.warning("payment sync of %s skipped: %s", config.name, exc)
        return {"outcome": "skipped", "run": exc.run.identifier, "message": f"Skipped: {exc}"}
    return {
        "outcome": "started",
        "run": batch.identifier,
        "message": f"Started payment sync {batch.identifier} of {config.name}.",
    }
