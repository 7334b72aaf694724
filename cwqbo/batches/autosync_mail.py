"""The one e-mail an AutoSync run with failures sends each admin, listing them with links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from cwqbo.connections.alerts import _mail_admins
from cwqbo.extensions import db
from cwqbo.models import Batch, QBOConfiguration

if TYPE_CHECKING:
    from cwqbo.batches.autosync import RunReport


def settings_link(config: QBOConfiguration) -> str:
    return f"{current_app.config['PUBLIC_URL']}/settings/quickbooks/{config.id}/autosync"


def email_admins_failures(config: QBOConfiguration, report: RunReport) -> int:
    """E-mail every active admin once about this run's failed transactions; return how many."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    failures = []
    for parked in report.failed:
        batch = db.session.get(Batch, parked.batch_id) if parked.batch_id else None
        ident = batch.identifier if batch is not None else ""
        failures.append(
            {
                "number": parked.number or parked.manage_id,
                "kind": parked.kind,
                "batch": ident,
                "reason": parked.reason,
                "link": f"{base}/batches/{ident}#tx-{parked.transaction_id}" if ident else base,
            }
        )
    count = len(failures)
    subject = f"AutoSync of {config.name}: {count} transaction{'s' if count != 1 else ''} failed"
    return _mail_admins(
        subject,
        "email/autosync_failures.txt",
        config=config,
        failures=failures,
        report=report,
        settings_link=settings_link(config),
    )
