"""The payment sync's store on the database: every intent and outcome committed as it happens.

It wraps the batch's DatabaseStore (actions, log lines, the lock/budget checkpoint), adds
the transferred invoices, the watermark and the ledger of Manage payments cwqbo wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cwqbo.batches.store import DatabaseStore
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction
from cwqbo.models.payment import PaymentLink, PaymentSyncSetting
from cwqbo.models.qbo import aware_utc, naive_utc
from cwqbo.transfer.payments.plan import Entry, Link, Transferred
from cwqbo.transfer.payments.sync import FAILED, FLAGGED, InvoiceOutcome

KIND = "payments"
TX_STATES = {FAILED: BatchTransaction.FAILED, FLAGGED: BatchTransaction.FAILED}


def transferred_invoices(config_id: int) -> dict[str, Transferred]:
    """Return {QBO invoice id: Transferred} of every invoice cwqbo put in this configuration."""
    tx = BatchTransaction
    rows = db.session.execute(
        db.select(tx.qbo_id, tx.manage_record_id, tx.number, tx.party, tx.currency)
        .join(Batch, Batch.id == tx.batch_id)
        .where(
            Batch.config_id == config_id,
            tx.kind == "invoices",
            tx.state == tx.BATCHED,
            tx.qbo_entity == "Invoice",
            tx.qbo_id.is_not(None),
            tx.manage_record_id.is_not(None),
        )
        .order_by(tx.id)
    )
    out = {}
    for qbo_id, record_id, number, party, currency in rows:
        if str(record_id).isdigit():
            out[str(qbo_id)] = Transferred(str(qbo_id), int(record_id), number, party, currency)
    return out


def _link(row: PaymentLink) -> Link:
    return Link(
        row.id,
        row.source,
        row.amount,
        row.paid_on,
        row.manage_payment_id,
        row.state,
        tuple(row.qbo_txns.split()),
    )


class PaymentStore:
    """Persist one payment-sync run (a Batch of kind ``payments``)."""

    def __init__(self, base: DatabaseStore, batch: Batch) -> None:
        self.base = base
        self.batch_id, self.config_id = batch.id, batch.config_id

    # -- what the run reads ----------------------------------------------------------

    def transferred(self) -> dict[str, Transferred]:
        return transferred_invoices(self.config_id)

    def watermark(self) -> datetime | None:
        setting = db.session.get(PaymentSyncSetting, self.config_id)
        return aware_utc(setting.watermark) if setting is not None else None

    def set_watermark(self, when: datetime) -> None:
        setting = PaymentSyncSetting.of(self.config_id)
        setting.watermark = naive_utc(when.astimezone(UTC))
        setting.last_run_id = self.batch_id
        db.session.commit()

    def paid_by(self, txn: str) -> set[str]:
        rows = db.session.scalars(
            db.select(PaymentLink.qbo_invoice_id).where(
                PaymentLink.config_id == self.config_id,
                PaymentLink.qbo_txns.like(f"% {txn} %"),
            )
        )
        return set(rows)

    def links(self, manage_invoice_id: int) -> list[Link]:
        rows = db.session.scalars(
            db.select(PaymentLink)
            .where(PaymentLink.manage_invoice_id == manage_invoice_id)
            .order_by(PaymentLink.id)
        )
        return [_link(r) for r in rows]

    # -- the ledger: intent before each Manage write, outcome after it ---------------

    def begin_create(self, inv: Transferred, entry: Entry) -> Link:
        row = PaymentLink(
            config_id=self.config_id,
            manage_invoice_id=inv.manage_invoice_id,
            qbo_invoice_id=inv.qbo_id,
            source=entry.source,
            qbo_txns=" " + " ".join(entry.qbo_txns) + " ",
            amount=entry.amount,
            paid_on=entry.paid_on,
            state=PaymentLink.WRITING,
            batch_id=self.batch_id,
        )
        db.session.add(row)
        db.session.commit()
        return _link(row)

    def finish_create(self, link: Link, manage_payment_id: int) -> None:
        row = db.session.get(PaymentLink, link.id)
        row.manage_payment_id, row.state = manage_payment_id, PaymentLink.WRITTEN
        db.session.commit()

    def abandon(self, link: Link) -> None:
        db.session.delete(db.session.get(PaymentLink, link.id))
        db.session.commit()

    def begin_delete(self, link: Link) -> None:
        row = db.session.get(PaymentLink, link.id)
        row.state, row.batch_id = PaymentLink.DELETING, self.batch_id
        db.session.commit()

    finish_delete = abandon

    # -- the run's record ------------------------------------------------------------

    def action(self, section: str, key: str, label: str, state: str, **fields) -> None:
        self.base.action(section, key, label[:255], state, **fields)

    def log(self, message: str, level: str = "info") -> None:
        self.base.log(message, level=level)

    def record(self, outcome: InvoiceOutcome) -> None:
        """Write (or update, on a resumed run) the invoice's row and what was read in QBO."""
        inv = outcome.invoice
        row = db.session.scalar(
            db.select(BatchTransaction).where(
                BatchTransaction.batch_id == self.batch_id,
                BatchTransaction.manage_id == str(inv.manage_invoice_id),
            )
        )
        if row is None:
            position = db.session.scalar(
                db.select(db.func.count()).where(BatchTransaction.batch_id == self.batch_id)
            )
            row = BatchTransaction(
                batch_id=self.batch_id,
                position=position,
                kind=KIND,
                manage_id=str(inv.manage_invoice_id),
                manage_record_id=str(inv.manage_invoice_id),
            )
            db.session.add(row)
        row.number, row.party, row.currency = inv.number, inv.party, inv.currency
        row.total = outcome.paid
        row.state = TX_STATES.get(outcome.state, BatchTransaction.BATCHED)
        row.message, row.problems = outcome.message[:4000], outcome.problems
        row.qbo_entity, row.qbo_id = "Invoice", inv.qbo_id
        row.qbo_doc_number = (outcome.read or {}).get("DocNumber")
        row.claim = None  # a Retry claims its failed rows; a recorded outcome frees them
        db.session.commit()
        self.base.progress += 1
        self.base.action(
            "qbo",
            f"read:{inv.qbo_id}",
            f"Invoice {inv.number or inv.qbo_id}: read in QuickBooks",
            "succeeded",
            message=outcome.message[:4000],
            received=outcome.read or None,
            qbo_entity="Invoice",
            qbo_id=inv.qbo_id,
        )
