"""Keep QuickBooks Online connections alive between batches (spec C4)."""

from __future__ import annotations

import logging

from cwqbo import connections
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration
from cwqbo.quickbooks.errors import QBOConnectionLost, QBOError

log = logging.getLogger(__name__)


def refresh_all() -> dict:
    """Refresh the tokens of every connected configuration; return the counts."""
    configs = db.session.scalars(
        db.select(QBOConfiguration).where(QBOConfiguration.status == QBOConfiguration.CONNECTED)
    ).all()
    counts = {"refreshed": 0, "lost": 0, "failed": 0}
    if not configs:
        return counts
    manager = connections.token_manager()
    for config in configs:
        try:
            manager.refresh(config.id)
            counts["refreshed"] += 1
        except QBOConnectionLost:
            counts["lost"] += 1  # marked lost and admins e-mailed by the token store
        except QBOError as exc:
            counts["failed"] += 1
            log.warning("could not refresh %s: %s", config.name, exc)
    return counts
