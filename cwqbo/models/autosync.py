"""AutoSync (spec J1): per configuration, what is sent on its own and how often, and the
transactions set aside after failing, with their reason, until their mapping changes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cwqbo.extensions import db
from cwqbo.models.user import utcnow

DEFAULT_INTERVAL = 120  # minutes
KINDS = ("invoices", "expenses", "inventory", "payments")


def _config_fk() -> sa.ForeignKey:
    return sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE")


class AutoSyncSetting(db.Model):
    """Whether AutoSync runs for a configuration, which kinds, how often, which location."""

    __tablename__ = "autosync_settings"

    config_id: Mapped[int] = mapped_column(_config_fk(), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    kinds: Mapped[list] = mapped_column(sa.JSON, default=list)  # names from KINDS
    interval_minutes: Mapped[int] = mapped_column(default=DEFAULT_INTERVAL)
    location_id: Mapped[str | None] = mapped_column(sa.String(64))  # Manage billing location
    location_name: Mapped[str | None] = mapped_column(sa.String(255))
    last_started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def of(cls, config_id: int) -> AutoSyncSetting:
        """Return the configuration's row (a new, unsaved default, switched off, if none)."""
        row = db.session.get(cls, config_id)
        if row is None:
            row = cls(
                config_id=config_id, enabled=False, kinds=[], interval_minutes=DEFAULT_INTERVAL
            )
            db.session.add(row)
        return row


class ParkedTransaction(db.Model):
    """A transaction AutoSync could not send: left out until the mapping it needed changes.

    ``fingerprint`` is the configuration's mapping fingerprint when it failed; a run sends
    the transaction again once the fingerprint differs (cwqbo.batches.autosync).
    """

    __tablename__ = "autosync_parked"
    __table_args__ = (sa.UniqueConstraint("config_id", "kind", "manage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    config_id: Mapped[int] = mapped_column(_config_fk(), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # a batch kind: invoices, expenses, products
    manage_id: Mapped[str] = mapped_column(sa.String(64))
    number: Mapped[str] = mapped_column(sa.String(64), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batches.id", ondelete="SET NULL"))
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("batch_transactions.id", ondelete="SET NULL")
    )
    attempts: Mapped[int] = mapped_column(default=1)
    parked_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch = relationship("Batch")
