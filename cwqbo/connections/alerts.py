"""Tell admins when a connection is lost (spec C3) or will die soon (J6); every mail has the
reconnect link, built from PUBLIC_URL."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from cwqbo.extensions import db
from cwqbo.mail import send_mail
from cwqbo.models import ManageConnection, QBOConfiguration, Role, User

log = logging.getLogger(__name__)


def active_admins() -> list[User]:
    return db.session.scalars(
        db.select(User).where(
            User.role == Role.ADMIN.value,
            User.deactivated_at.is_(None),
            User.email_verified_at.is_not(None),
        )
    ).all()


def reconnect_link(config: QBOConfiguration) -> str:
    """Return the absolute URL of the configuration's Connection tab."""
    return f"{current_app.config['PUBLIC_URL']}/settings/quickbooks/{config.id}/connection"


def _mail_admins(subject: str, template: str, **context) -> int:
    """Send one rendered mail to every active admin; return how many went out."""
    sent = 0
    # Straight from the environment: the page context processors (navigation, current_user)
    # need a request, and these mails are mostly sent by background jobs.
    mail = current_app.jinja_env.get_template(template)
    for admin in active_admins():
        text = mail.render(admin=admin, **context)
        try:
            send_mail(admin.email, subject, text)
            sent += 1
        except Exception:  # one failed mail must not hide the others
            log.exception("could not e-mail %s: %s", admin.email, subject)
    return sent


def email_admins_connection_lost(config_id: int) -> None:
    """E-mail every active admin that a configuration must be reconnected."""
    config = db.session.get(QBOConfiguration, config_id)
    if config is None:
        return
    db.session.refresh(config)
    _mail_admins(
        f"cwqbo: reconnect {config.name} to QuickBooks Online",
        "email/qbo_lost.txt",
        config=config,
        link=reconnect_link(config),
    )


def email_admins_connection_ending(
    config: QBOConfiguration, deadline: datetime, cause: str, days: int
) -> int:
    """E-mail every active admin that a configuration stops working on ``deadline``.

    ``cause`` is "refresh" (the refresh token runs out) or "hard" (Intuit's 5-year limit).
    """
    when = "today" if days <= 0 else f"in {days} day{'s' if days != 1 else ''}"
    return _mail_admins(
        f"cwqbo: {config.name}'s QuickBooks Online connection ends {when}",
        "email/qbo_ending.txt",
        config=config,
        deadline=deadline,
        cause=cause,
        when=when,
        link=reconnect_link(config),
    )


def email_admins_manage_lost(connection: ManageConnection) -> int:
    """E-mail every active admin that the Manage connection stopped working."""
    return _mail_admins(
        "cwqbo: the ConnectWise Manage connection stopped working",
        "email/manage_lost.txt",
        connection=connection,
        link=f"{current_app.config['PUBLIC_URL']}/settings/connectwise",
    )
