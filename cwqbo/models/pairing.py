"""Pairings (issue 13): which QBO customer or vendor a Manage company, member or vendor is.

One row per configuration and Manage object, set when cwqbo creates or first matches the QBO
record and editable by an admin on the Pairings page. A paired object always lands on its
paired record, whatever the naming options say later.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cwqbo.extensions import db
from cwqbo.models.user import utcnow


class Pairing(db.Model):
    """A Manage company / member / vendor and the QBO customer or vendor it is."""

    __tablename__ = "pairings"
    __table_args__ = (sa.UniqueConstraint("config_id", "manage_kind", "manage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    config_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE"), index=True
    )
    manage_kind: Mapped[str] = mapped_column(sa.String(16))  # company | member | vendor
    manage_id: Mapped[str] = mapped_column(sa.String(64))
    manage_name: Mapped[str] = mapped_column(sa.String(500), default="")
    qbo_entity: Mapped[str] = mapped_column(sa.String(16))  # Customer | Vendor
    qbo_id: Mapped[str] = mapped_column(sa.String(64))
    qbo_name: Mapped[str] = mapped_column(sa.String(500), default="")
    how: Mapped[str] = mapped_column(sa.String(32), default="")  # created, matched, admin …
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @classmethod
    def snapshot(cls, config_id: int | None):
        """Return the configuration's pairings as the transfer layer reads them (Pairings)."""
        from cwqbo.transfer.pairing import Pairings  # the domain layer, imported when used

        out = Pairings()
        if config_id is None:
            return out
        for row in db.session.scalars(db.select(cls).where(cls.config_id == config_id)):
            out.put(row.manage_kind, row.manage_id, row.qbo_entity, row.qbo_id, row.qbo_name)
        return out

    @classmethod
    def remember(
        cls,
        config_id: int,
        manage_kind: str,
        manage_id: str,
        *,
        manage_name: str,
        qbo_entity: str,
        qbo_id: str,
        qbo_name: str,
        how: str,
    ) -> Pairing:
        """Insert or update the pairing of one Manage object (the caller commits)."""
        row = db.session.scalar(
            db.select(cls).where(
                cls.config_id == config_id,
                cls.manage_kind == manage_kind,
                cls.manage_id == str(manage_id),
            )
        )
        if row is None:
            row = cls(config_id=config_id, manage_kind=manage_kind, manage_id=str(manage_id))
            db.session.add(row)
        row.manage_name = manage_name or row.manage_name or ""
        row.qbo_entity, row.qbo_id, row.qbo_name, row.how = qbo_entity, str(qbo_id), qbo_name, how
        return row
