"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/."""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://[^\s<>\"']+")


def outbox_dir() -> Path:
    """Return the folder that holds mail when no MAIL_SERVER is configured."""
    return Path(current_app.config["INSTANCE_PATH"]) / "outbox"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "message"


def build_message(
    to: str, subject: str, text: str, html: str | None = None, attachments=()
) -> EmailMessage:
    """Return a ready-to-send message from the configured sender.

    ``attachments``: (file name, text, subtype) triples, e.g. ("batch.log", log, "plain").
    """
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="cwqbo.local")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content, subtype in attachments:
        msg.add_attachment(content, subtype=subtype, filename=filename)
    return msg


def send_mail(
    to: str, subject: str, text: str, html: str | None = None, attachments=()
) -> Path | None:
    """Send a message; return the .eml path when it went to the outbox."""
    msg = build_message(to, subject, text, html, attachments)
    cfg = current_app.config
    if cfg["MAIL_SERVER"]:
        _send_smtp(msg, cfg)
        log.info("mail sent to %s: %s", to, subject)
        return None
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    # A random part too: two mails in the same microsecond (or under a frozen clock) must not
    # overwrite each other; exclusive creation makes sure of it.
    path = folder / f"{stamp}-{secrets.token_hex(4)}-{_slug(subject)}.eml"
    with path.open("xb") as fh:
        fh.write(bytes(msg))
    links = LINK.findall(text)
    log.info("mail to %s written to %s; links: %s", to, path, " ".join(links) or "none")
    return path


def _send_smtp(msg: EmailMessage, cfg) -> None:
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
    else:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
    with smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(msg)
