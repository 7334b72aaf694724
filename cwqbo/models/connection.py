"""The install's one ConnectWise Manage connection (spec B1-B3)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.models.user import utcnow


class ManageConnection(db.Model):
    """Site, company and API keys; the private key only ever encrypted."""

    __tablename__ = "manage_connections"

    CONNECTED = "connected"
    FAILED = "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(sa.String(255))
    company_id: Mapped[str] = mapped_column(sa.String(100))
    public_key: Mapped[str] = mapped_column(sa.String(100))
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text)
    client_id: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(16), default=CONNECTED)
    problems: Mapped[list | None] = mapped_column(sa.JSON)
    api_base: Mapped[str | None] = mapped_column(sa.String(500))
    codebase: Mapped[str | None] = mapped_column(sa.String(100))
    company_name: Mapped[str | None] = mapped_column(sa.String(255))
    checked_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]  # the last check that worked (J6)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @classmethod
    def current(cls) -> ManageConnection | None:
        """Return the install's connection, if one was ever saved."""
        return db.session.scalar(db.select(cls).order_by(cls.id).limit(1))

    @property
    def private_key(self) -> str:
        return secret_box().decrypt(self.private_key_encrypted)

    @private_key.setter
    def private_key(self, value: str) -> None:
        self.private_key_encrypted = secret_box().encrypt(value)

    @property
    def is_connected(self) -> bool:
        return self.status == self.CONNECTED

    def __repr__(self) -> str:
        return f"<ManageConnection {self.site} {self.company_id} {self.status}>"
