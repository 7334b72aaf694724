"""Build and send a support request: the message, the batch log attached, no secret in it."""

from __future__ import annotations

import logging
import smtplib

from flask import current_app

from cwqbo import audit
from cwqbo.batches.report import log_text
from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.mail import send_mail
from cwqbo.models import Batch, ManageConnection, QBOConfiguration, Role, SupportRequest, User

log = logging.getLogger(__name__)
REDACTED = "[redacted]"


def recipients() -> str:
    """Return SUPPORT_EMAIL, or the active admins when it is unset."""
    configured = current_app.config.get("SUPPORT_EMAIL", "")
    if configured:
        return configured
    admins = db.session.scalars(
        db.select(User.email).where(User.role == Role.ADMIN.value, User.deactivated_at.is_(None))
    ).all()
    return ", ".join(admins)


def known_secrets() -> list[str]:
    """Return the secret values this install holds, to strike from anything sent out."""
    cfg = current_app.config
    values = [cfg.get("SECRET_KEY"), cfg.get("QBO_CLIENT_SECRET"), cfg.get("MAIL_PASSWORD")]
    values += list(cfg.get("ENCRYPTION_KEYS") or [])
    for connection in db.session.scalars(db.select(ManageConnection)):
        values.append(connection.private_key_encrypted)
        try:
            values.append(connection.private_key)
        except Exception:  # noqa: BLE001  (an undecryptable key cannot be in a log either)
            log.warning("a Manage private key could not be decrypted")
    box = secret_box()
    for config in db.session.scalars(db.select(QBOConfiguration)):
        for sealed in (config.access_token_encrypted, config.refresh_token_encrypted):
            if sealed:
                values.append(sealed)
                try:
                    values.append(box.decrypt(sealed))
                except Exception:  # noqa: BLE001
                    log.warning("a QBO token could not be decrypted")
    # Short values would strike ordinary words; real secrets are long.
    return sorted({str(v) for v in values if v and len(str(v)) >= 8}, key=len, reverse=True)


def clean_log(batch: Batch) -> str:
    """Return the batch's text log with every secret-looking or known secret value struck."""
    text = audit.scrub(log_text(batch))
    for secret in known_secrets():
        text = text.replace(secret, REDACTED)
    return text


def send_request(
    user: User, subject: str, message: str, batch: Batch | None, config: QBOConfiguration | None
) -> SupportRequest:
    """Store the request, send it (outbox without SMTP), record its status; never raise."""
    to = recipients()
    request = SupportRequest(
        user_id=user.id,
        sender=f"{user.name} <{user.email}>",
        to=to or "(nobody: no SUPPORT_EMAIL and no admin)",
        subject=subject,
        message=message,
        config_id=config.id if config else None,
        batch_id=batch.id if batch else None,
        batch_identifier=batch.identifier if batch else None,
    )
    db.session.add(request)
    db.session.commit()
    body = [
        f"Support request from {user.name} <{user.email}> ({user.role}) on cwqbo at "
        f"{current_app.config['PUBLIC_URL']}.",
        "",
        message,
        "",
    ]
    attachments = []
    if batch is not None:
        body.append(
            f"Batch {batch.identifier} of configuration {config.name if config else '-'}: "
            "its log is attached."
        )
        attachments.append((f"batch-{batch.identifier}.log.txt", clean_log(batch), "plain"))
    if not to:
        request.status, request.error = SupportRequest.FAILED, "No recipient: set SUPPORT_EMAIL."
    else:
        try:
            outbox = send_mail(to, f"[cwqbo support] {subject}", "\n".join(body), None, attachments)
            request.status = SupportRequest.OUTBOX if outbox else SupportRequest.SENT
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("support request %s could not be sent: %s", request.id, exc)
            request.status = SupportRequest.FAILED
            request.error = audit.scrub(f"The mail server refused it: {exc}")[:500]
    db.session.commit()
    audit.record(
        "support_sent",
        f"support request {request.id}: {subject}",
        detail=f"status {request.status}"
        + (f"; log of batch {batch.identifier} attached" if batch else ""),
    )
    return request
