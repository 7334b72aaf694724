"""Bookkeeping rows for background tasks: the durable record of every run."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cwqbo.extensions import db
from cwqbo.models.user import utcnow


class TaskRun(db.Model):
    """One run of a background task: what it was, when, and how it ended."""

    __tablename__ = "task_runs"

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (self.COMPLETED, self.FAILED)
