"""Connection health (spec J6): the daily check of every connection, the expiry warnings
at 30 and 7 days, and the expiry figures the dashboard and Connection tab show.

A warning goes out once per threshold and deadline: the thresholds sent are kept with the
deadline they were about (``QBOConfiguration.expiry_alerts``). A later deadline, which a
reconnect (a new 5-year authorization) or a renewed refresh token brings, starts afresh.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from cwqbo.connections import alerts
from cwqbo.connections.clients import (
    NotConnected,
    manage_credentials,
    qbo_client,
    read_company,
    record_manage_check,
)
from cwqbo.connections.tokens import mark_lost
from cwqbo.connectwise.probe import check_connection
from cwqbo.extensions import db
from cwqbo.models import ManageConnection, QBOConfiguration
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOConnectionLost, QBOError
from cwqbo.wording import plural

log = logging.getLogger(__name__)

THRESHOLDS = (30, 7)  # days before a connection dies that admins are e-mailed
MOVED = timedelta(days=1)  # a deadline this much later is a new one (reconnected, renewed)


@dataclass(frozen=True)
class Expiry:
    """When a configuration's tokens run out, and which limit comes first."""

    access: datetime | None
    refresh: datetime | None
    hard: datetime | None
    deadline: datetime | None
    cause: str | None  # "refresh" (refresh token) or "hard" (Intuit's 5-year limit)
    days_left: int | None  # whole days, rounded up; 0 once the deadline has passed
    access_expired: bool = False  # the access token ran out (renewed when next used)

    @property
    def tone(self) -> str:
        if self.days_left is None or self.days_left > THRESHOLDS[0]:
            return "ok"
        return "bad" if self.days_left <= THRESHOLDS[-1] else "warn"


def expiry_of(config: QBOConfiguration, now: datetime | None = None) -> Expiry:
    """Return the configuration's token expiries and its deadline."""
    now = now or utcnow()
    refresh, hard = config.refresh_expires_at, config.hard_expires_at
    deadline = config.token_deadline()
    cause = None
    if deadline is not None:
        cause = "hard" if hard is not None and hard <= (refresh or hard) else "refresh"
    days = None
    if deadline is not None:
        days = max(0, math.ceil((deadline - now).total_seconds() / 86400))
    access = config.access_expires_at
    expired = access is not None and access <= now
    return Expiry(access, refresh, hard, deadline, cause, days, expired)


def warn_expiry(config: QBOConfiguration, now: datetime | None = None) -> int | None:
    """E-mail admins when the deadline crossed a threshold not yet warned of; return it.

    A connection first seen past both thresholds gets one mail (the nearer one), not two.
    """
    now = now or utcnow()
    expiry = expiry_of(config, now)
    if expiry.deadline is None:
        return None
    state = dict(config.expiry_alerts or {})
    sent = set(state.get("sent", []))
    known = state.get("deadline")
    if known is None or expiry.deadline > datetime.fromisoformat(known) + MOVED:
        sent = set()
    crossed = {t for t in THRESHOLDS if expiry.deadline - now <= timedelta(days=t)}
    due = crossed - sent
    config.expiry_alerts = {"deadline": expiry.deadline.isoformat(), "sent": sorted(sent)}
    if not due:
        return None
    threshold = min(crossed)
    alerts.email_admins_connection_ending(config, expiry.deadline, expiry.cause, expiry.days_left)
    config.expiry_alerts = {
        "deadline": expiry.deadline.isoformat(),
        "sent": sorted(sent | crossed),
    }
    log.warning(
        "%s's QuickBooks connection ends on %s (%s): admins warned at %s days",
        config.name,
        expiry.deadline,
        expiry.cause,
        threshold,
    )
    return threshold


def check_qbo(config: QBOConfiguration, now: datetime | None = None) -> str:
    """Check one connected configuration for real; return "ok", "lost" or "unreachable"."""
    now = now or utcnow()
    deadline = config.token_deadline()
    if deadline is not None and deadline <= now:
        what = "Intuit's 5-year limit" if expiry_of(config, now).cause == "hard" else "unused"
        mark_lost(config, f"The refresh token expired ({what}).")
        db.session.commit()
        alerts.email_admins_connection_lost(config.id)
        return "lost"
    try:
        read_company(config, qbo_client(config, max_retries=1))
        db.session.commit()
        return "ok"
    except QBOConnectionLost:
        db.session.rollback()  # the token store marked it lost and e-mailed the admins
        return "lost"
    except (QBOError, NotConnected) as exc:
        db.session.rollback()
        log.warning("could not check %s: %s", config.name, exc)
        return "unreachable"


def check_manage() -> str:
    """Check the Manage connection; e-mail admins when it stops working.

    Return "ok", "failed" or "not configured".
    """
    connection = ManageConnection.current()
    if connection is None:
        return "not configured"
    was_working = connection.is_connected
    result = check_connection(manage_credentials(connection))
    record_manage_check(connection, result, connection.updated_by_id)
    db.session.commit()
    if was_working and not result.ok:
        alerts.email_admins_manage_lost(connection)
    return "ok" if result.ok else "failed"


def check_all(now: datetime | None = None) -> dict:
    """Check every connection and send the expiry warnings due; return the counts."""
    counts = {"ok": 0, "lost": 0, "unreachable": 0, "warned": 0, "manage": check_manage()}
    configs = db.session.scalars(
        db.select(QBOConfiguration)
        .where(QBOConfiguration.status == QBOConfiguration.CONNECTED)
        .order_by(QBOConfiguration.id)
    ).all()
    for config in configs:
        outcome = check_qbo(config, now)
        counts[outcome] += 1
        if outcome == "lost":
            continue
        db.session.refresh(config)  # a refresh on use was saved in the token store's session
        if warn_expiry(config, now) is not None:
            counts["warned"] += 1
        db.session.commit()
    return counts


def describe(counts: dict) -> str:
    """Say in a sentence what a health run found (the task run's message)."""
    return (
        f"ConnectWise Manage: {counts['manage']}. QuickBooks Online: {counts['ok']} working, "
        f"{counts['lost']} lost, {counts['unreachable']} could not be reached; "
        f"{plural(counts['warned'], 'expiry warning')} sent."
    )


def health_rows() -> dict:
    """Return what the dashboard shows: the Manage connection and each configuration's expiry."""
    now = utcnow()
    return {
        "manage": ManageConnection.current(),
        "configurations": [(c, expiry_of(c, now)) for c in QBOConfiguration.ordered()],
    }


def register_template_globals(app) -> None:
    """Let any page include the health figures: connection_health(), connection_expiry(c)."""
    app.add_template_global(health_rows, "connection_health")
    app.add_template_global(expiry_of, "connection_expiry")
