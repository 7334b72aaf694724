"""Payment sync (spec E): each configuration's schedule and watermark, and the Manage
payments cwqbo wrote for what QuickBooks shows paid.

A payment-sync run itself is a ``Batch`` of kind ``payments`` (its status page, log, lock,
heartbeat and sweeper are the batches'); each invoice it looked at is one of its
``BatchTransaction`` rows, each Manage write one of its ``BatchAction`` rows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cwqbo.extensions import db
from cwqbo.models.user import utcnow

DEFAULT_TIME_OF_DAY = "02:00"  # UTC


class PaymentSyncSetting(db.Model):
    """When a configuration's payment sync runs, and how far the last successful run read."""

    __tablename__ = "payment_sync_settings"

    config_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE"), primary_key=True
    )
    # "HH:MM", UTC: the daily scheduled run (spec E1).
    time_of_day: Mapped[str] = mapped_column(sa.String(5), default=DEFAULT_TIME_OF_DAY)
    # When the last successful run started reading QBO (naive UTC): the next run asks CDC for
    # changes since then (less a few minutes' overlap).
    watermark: Mapped[datetime | None]
    last_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def of(cls, config_id: int) -> PaymentSyncSetting:
        """Return the configuration's settings row (a new, unsaved default if none yet)."""
        row = db.session.get(cls, config_id)
        if row is None:
            row = cls(config_id=config_id, time_of_day=DEFAULT_TIME_OF_DAY)
            db.session.add(row)
        return row


class PaymentLink(db.Model):
    """One Manage invoice payment cwqbo wrote, or is about to write or remove.

    The row is committed *before* each Manage write (state ``writing`` or ``deleting``), so
    a run that dies mid-write leaves its intent behind; the next run reads the invoice's
    payments in Manage before writing again (exactly once).
    """

    __tablename__ = "payment_links"
    __table_args__ = (sa.UniqueConstraint("manage_invoice_id", "source"),)

    WRITING = "writing"
    WRITTEN = "written"
    DELETING = "deleting"

    id: Mapped[int] = mapped_column(primary_key=True)
    config_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE"), index=True
    )
    manage_invoice_id: Mapped[int] = mapped_column(index=True)
    qbo_invoice_id: Mapped[str] = mapped_column(sa.String(64))
    # What in QBO it stands for: "Payment:17" (one per QBO payment), "total" (one summed
    # payment per invoice) or "other" (paid in QBO by something that is not a payment).
    source: Mapped[str] = mapped_column(sa.String(80))
    # The QBO transactions behind it, space-separated and padded (" Payment:17 Payment:18 "),
    # so a payment deleted in QBO finds the invoices it had paid.
    qbo_txns: Mapped[str] = mapped_column(sa.Text, default=" ")
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    paid_on: Mapped[date]
    manage_payment_id: Mapped[int | None]
    state: Mapped[str] = mapped_column(sa.String(16), default=WRITING)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batches.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
