"""The audit log (spec J8) and stored support requests (spec G1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cwqbo.extensions import db
from cwqbo.models.user import utcnow


class AuditEntry(db.Model):
    """Who did what, to what, when and from where: names of fields, never their values."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The user may be deleted later; ``actor`` keeps who it was ("name <email>").
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(400), default="")
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target: Mapped[str] = mapped_column(sa.String(400), default="")
    fields: Mapped[list] = mapped_column(sa.JSON, default=list)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    ip: Mapped[str] = mapped_column(sa.String(64), default="")


class SupportRequest(db.Model):
    """A message sent from Contact Support, with the batch whose log went with it."""

    __tablename__ = "support_requests"

    SENT = "sent"  # handed to the SMTP server
    OUTBOX = "outbox"  # no MAIL_SERVER: written to instance/outbox/
    FAILED = "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    sender: Mapped[str] = mapped_column(sa.String(400), default="")
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[str] = mapped_column(sa.Text)
    config_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("qbo_configurations.id", ondelete="SET NULL")
    )
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batches.id", ondelete="SET NULL"))
    batch_identifier: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(16), default=OUTBOX)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    user = relationship("User")
    config = relationship("QBOConfiguration")
