"""Tell admins when a QuickBooks Online connection is lost (spec C3)."""

from __future__ import annotations

import logging

from flask import current_app, render_template

from cwqbo.extensions import db
from cwqbo.mail import send_mail
from cwqbo.models import QBOConfiguration, Role, User

log = logging.getLogger(__name__)


def active_admins() -> list[User]:
    return db.session.scalars(
        db.select(User).where(
            User.role == Role.ADMIN.value,
            User.deactivated_at.is_(None),
            User.email_verified_at.is_not(None),
        )
    ).all()


def email_admins_connection_lost(config_id: int) -> None:
    """E-mail every active admin that a configuration must be reconnected."""
    config = db.session.get(QBOConfiguration, config_id)
    if config is None:
        return
    db.session.refresh(config)
    link = f"{current_app.config['PUBLIC_URL']}/settings/quickbooks/{config.id}/connection"
    for admin in active_admins():
        text = render_template("email/qbo_lost.txt", config=config, admin=admin, link=link)
        try:
            send_mail(admin.email, f"cwqbo: reconnect {config.name} to QuickBooks Online", text)
        except Exception:  # one failed mail must not hide the others
            log.exception("could not e-mail %s about %s", admin.email, config.name)
