"""Housekeeping: purge expired invitations and old outbox files."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app

from cwqbo.extensions import db
from cwqbo.mail import outbox_dir
from cwqbo.models import Invitation
from cwqbo.models.user import utcnow


def purge_expired_invitations() -> int:
    """Delete invitations that expired unaccepted; return how many."""
    expired = db.session.scalars(
        db.select(Invitation).where(
            Invitation.accepted_at.is_(None), Invitation.expires_at <= utcnow()
        )
    ).all()
    for invitation in expired:
        db.session.delete(invitation)
    return len(expired)


def purge_old_outbox(now: float | None = None) -> int:
    """Delete outbox .eml files older than OUTBOX_KEEP_DAYS; return how many."""
    folder = outbox_dir()
    if not folder.is_dir():
        return 0
    keep = timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"]).total_seconds()
    cutoff = (now or time.time()) - keep
    removed = 0
    for path in folder.glob("*.eml"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def purge() -> dict:
    """Run every purge; return the counts."""
    invitations = purge_expired_invitations()
    outbox = purge_old_outbox()
    return {"invitations": invitations, "outbox_files": outbox}
