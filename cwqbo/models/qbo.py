"""QuickBooks Online configurations: one per QBO company (spec C1-C6)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cwqbo.extensions import db
from cwqbo.models.user import utcnow


class QBOConfiguration(db.Model):
    """A QBO company connection with its (encrypted) tokens and what cwqbo read from it."""

    __tablename__ = "qbo_configurations"

    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    LOST = "lost"  # a refresh was refused, revoked or expired: reconnect needed

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=NOT_CONNECTED)
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    realm_id: Mapped[str | None] = mapped_column(sa.String(32))
    access_token_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    access_expires_at: Mapped[datetime | None]
    refresh_expires_at: Mapped[datetime | None]
    hard_expires_at: Mapped[datetime | None]
    tokens_refreshed_at: Mapped[datetime | None]  # last code exchange or refresh
    # The last refresh was the keep-alive job's own (no one asked for that access token).
    renewed_by_keepalive: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Which expiry warnings went out for which deadline: {"deadline": iso, "sent": [30, 7]}
    expiry_alerts: Mapped[dict | None] = mapped_column(sa.JSON)
    company_name: Mapped[str | None] = mapped_column(sa.String(255))
    country: Mapped[str | None] = mapped_column(sa.String(8))
    home_currency: Mapped[str | None] = mapped_column(sa.String(8))
    multi_currency: Mapped[bool | None]
    class_tracking: Mapped[bool | None]
    location_tracking: Mapped[bool | None]
    company_info: Mapped[dict | None] = mapped_column(sa.JSON)
    preferences: Mapped[dict | None] = mapped_column(sa.JSON)
    connected_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_connected(self) -> bool:
        return self.status == self.CONNECTED

    @property
    def is_lost(self) -> bool:
        return self.status == self.LOST

    @property
    def lost_message(self) -> str:
        return f"Your {self.name} connection to QuickBooks Online has been lost. Please reconnect."

    def token_deadline(self) -> datetime | None:
        """Return when the connection dies unless refreshed or reconnected."""
        ends = [t for t in (self.refresh_expires_at, self.hard_expires_at) if t is not None]
        return min(ends) if ends else None

    @classmethod
    def default(cls) -> QBOConfiguration | None:
        return db.session.scalar(db.select(cls).where(cls.is_default.is_(True)))

    @classmethod
    def ordered(cls) -> list[QBOConfiguration]:
        return db.session.scalars(db.select(cls).order_by(cls.is_default.desc(), cls.name)).all()

    def __repr__(self) -> str:
        return f"<QBOConfiguration {self.id} {self.name!r} {self.status}>"


def naive_utc(value: datetime | None) -> datetime | None:
    """Store aware datetimes as naive UTC (the columns are UTC by convention)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def aware_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
