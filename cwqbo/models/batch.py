"""Batches (spec D): a run over chosen Manage transactions, their states, actions and log.

Everything the status page shows is read from these rows; a job can always be resumed
from them (STYLE habit 5).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cwqbo.extensions import db
from cwqbo.models.user import utcnow

KIND_LABELS = {
    "invoices": "Invoice",
    "expenses": "Expense",
    "products": "Inventory",
    "payments": "Payment sync",
}
KIND_PREFIX = {"invoices": "INV", "expenses": "EXP", "products": "PRC", "payments": "PAY"}


class Batch(db.Model):
    """One submitted batch of one kind into one QBO configuration."""

    __tablename__ = "batches"

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ENDED = (SUCCEEDED, FAILED)

    TRANSFER = "transfer"
    MARK_EXPORTED = "mark_exported"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    mode: Mapped[str] = mapped_column(sa.String(16), default=TRANSFER)
    config_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    invoice_detail: Mapped[str] = mapped_column(sa.String(16), default="summary")
    location_id: Mapped[int | None]
    location_name: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED, index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)
    # The last sign of life: when it was queued, or the running job's latest heartbeat.
    # The sweeper resumes a batch whose heartbeat stopped (STYLE habit 13).
    heartbeat_at: Mapped[datetime | None] = mapped_column(index=True)
    # The RQ job meant to run it next (or running it): a queued batch whose job is gone
    # is enqueued again.
    job_id: Mapped[str | None] = mapped_column(sa.String(64))

    transactions: Mapped[list[BatchTransaction]] = relationship(
        back_populates="batch",
        cascade="all, delete-orphan",
        order_by="BatchTransaction.position",
        passive_deletes=True,
    )
    config = relationship("QBOConfiguration")
    created_by = relationship("User")

    @property
    def ended(self) -> bool:
        return self.status in self.ENDED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def assign_identifier(self) -> None:
        """Give a flushed batch its Batch ID, e.g. ``INV-000042``."""
        prefix = "MRK" if self.mode == self.MARK_EXPORTED else KIND_PREFIX[self.kind]
        self.identifier = f"{prefix}-{self.id:06d}"


class BatchTransaction(db.Model):
    """One Manage transaction in a batch and how far it has got (spec D5)."""

    __tablename__ = "batch_transactions"

    # States, in the order a transaction moves through them.
    SELECTED = "selected"
    VALIDATED = "validated"
    SENDING = "sending"  # a QBO create may have reached QBO; look before creating again
    IN_QBO = "in_qbo"
    BATCHED = "batched"  # final: in QBO (or needs none) and batched in Manage
    SKIPPED = "skipped"  # final: batched in Manage, nothing sent (e.g. no lines)
    FAILED = "failed"
    UNBATCHED = "unbatched"  # final: its Manage batch was deleted afterwards
    ELSEWHERE = "elsewhere"  # final: another batch has since sent (or marked) it; not ours
    FINAL = (BATCHED, SKIPPED, UNBATCHED, ELSEWHERE)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The unposted row's export id (invoices/expenses: the row id; products: unpostedProductId).
    manage_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    manage_record_id: Mapped[str | None] = mapped_column(sa.String(64))
    number: Mapped[str] = mapped_column(sa.String(64), default="")
    party: Mapped[str] = mapped_column(sa.String(255), default="")
    location_name: Mapped[str] = mapped_column(sa.String(255), default="")
    document_date: Mapped[date | None]
    total: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal(0))
    currency: Mapped[str] = mapped_column(sa.String(8), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=SELECTED, index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)
    qbo_entity: Mapped[str | None] = mapped_column(sa.String(32))
    qbo_id: Mapped[str | None] = mapped_column(sa.String(64))
    qbo_doc_number: Mapped[str | None] = mapped_column(sa.String(64))
    qbo_voided: Mapped[bool] = mapped_column(default=False)
    manage_batch_identifier: Mapped[str | None] = mapped_column(sa.String(60))
    manage_batch_id: Mapped[int | None]
    # Set when QBO's total differs from Manage's and was not adjusted: both totals, worded
    # for the bookkeeper (issue 13 §3). The transaction is still batched; this flags it.
    review: Mapped[str] = mapped_column(sa.Text, default="")
    # "kind:manage_id" while the transaction is in flight: a unique column, so no two
    # batches can hold the same Manage transaction at once. NULL once it is final.
    claim: Mapped[str | None] = mapped_column(sa.String(90), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="transactions")

    @staticmethod
    def claim_key(kind: str, manage_id: object) -> str:
        return f"{kind}:{manage_id}"

    @property
    def final(self) -> bool:
        return self.state in self.FINAL


class BatchAction(db.Model):
    """One line of the status page: a validation, a created contact/item/document, a mark."""

    __tablename__ = "batch_actions"
    __table_args__ = (sa.UniqueConstraint("batch_id", "section", "key"),)

    NOT_STARTED = "not_started"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("batch_transactions.id", ondelete="CASCADE")
    )
    section: Mapped[str] = mapped_column(sa.String(24))
    key: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(255), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default=NOT_STARTED)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    qbo_entity: Mapped[str | None] = mapped_column(sa.String(32))
    qbo_id: Mapped[str | None] = mapped_column(sa.String(64))
    sent: Mapped[dict | list | None] = mapped_column(sa.JSON)
    received: Mapped[dict | list | None] = mapped_column(sa.JSON)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BatchLog(db.Model):
    """A line of a batch's log (spec D11): what happened, when, and who did it."""

    __tablename__ = "batch_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("batch_transactions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    level: Mapped[str] = mapped_column(sa.String(8), default="info")
    message: Mapped[str] = mapped_column(sa.Text)
