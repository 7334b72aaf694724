"""Keep QuickBooks Online connections alive between batches (spec C4), every 30 minutes.

Two kinds of configuration are refreshed, the rest are left alone:

- expiring: an access token handed out for use (connect, a batch, a page, a sync) still
  works but expires within REFRESH_AHEAD, so whatever starts before the next run finds a
  fresh one;
- idle: the access token has run out and the tokens were last renewed more than
  KEEPALIVE_AGE ago. Intuit drops a refresh token unused for 100 days; renewing it weekly
  keeps every idle connection alive with more than 90 days to spare, at one call a week.

The job's own refreshes are flagged (``renewed_by_keepalive``) and not renewed again as
"expiring": with Intuit's one-hour access tokens every live token expires within the hour,
so otherwise each connection, once used, would be refreshed every 30 minutes forever.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from cwqbo.connections.clients import token_manager
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOConnectionLost, QBOError
from cwqbo.wording import plural

log = logging.getLogger(__name__)

REFRESH_AHEAD = timedelta(hours=1)
KEEPALIVE_AGE = timedelta(days=7)


def due_for_refresh(now: datetime | None = None) -> dict[str, list[QBOConfiguration]]:
    """Return the connected configurations to refresh now, as {"expiring": [...], "idle": [...]}."""
    now = now or utcnow()
    c = QBOConfiguration
    connected = db.select(c).where(c.status == c.CONNECTED).order_by(c.id)
    expiring = connected.where(
        c.access_expires_at > now,
        c.access_expires_at <= now + REFRESH_AHEAD,
        c.renewed_by_keepalive.is_(False),
    )
    idle = connected.where(
        sa.or_(c.access_expires_at.is_(None), c.access_expires_at <= now),
        sa.or_(c.tokens_refreshed_at.is_(None), c.tokens_refreshed_at <= now - KEEPALIVE_AGE),
    )
    return {
        "expiring": db.session.scalars(expiring).all(),
        "idle": db.session.scalars(idle).all(),
    }


def refresh_due(now: datetime | None = None) -> dict:
    """Refresh what expires within the hour and the idle ones past their keep-alive age.

    Return the counts: expiring and idle (selected), refreshed, lost (marked lost and admins
    e-mailed by the token store), failed (Intuit unreachable: tried again next run) and
    skipped (connected, nothing due).
    """
    due = due_for_refresh(now)
    selected = due["expiring"] + due["idle"]
    connected = db.session.scalar(
        db.select(sa.func.count())
        .select_from(QBOConfiguration)
        .where(QBOConfiguration.status == QBOConfiguration.CONNECTED)
    )
    counts = {
        "expiring": len(due["expiring"]),
        "idle": len(due["idle"]),
        "refreshed": 0,
        "lost": 0,
        "failed": 0,
        "skipped": connected - len(selected),
    }
    if not selected:
        return counts
    manager = token_manager()
    for config in selected:
        try:
            manager.refresh(config.id)
            counts["refreshed"] += 1
            # The token store saved the new tokens in its own session; flag them as ours.
            db.session.execute(
                sa.update(QBOConfiguration)
                .where(QBOConfiguration.id == config.id)
                .values(renewed_by_keepalive=True)
            )
            db.session.commit()
        except QBOConnectionLost:
            counts["lost"] += 1
        except QBOError as exc:
            counts["failed"] += 1
            log.warning("could not refresh %s: %s", config.name, exc)
    return counts


def describe(counts: dict) -> str:
    """Say in a sentence what a refresh run did (the task run's message)."""
    return (
        f"Refreshed {plural(counts['refreshed'], 'connection')} ({counts['expiring']} expiring "
        f"within the hour, {counts['idle']} idle); {counts['lost']} lost, "
        f"{counts['failed']} could not be reached, {counts['skipped']} not due."
    )
