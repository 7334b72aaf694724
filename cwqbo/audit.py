"""The audit log (spec J8): one ``record`` call wherever a person changes something.

An entry names who (user and address), what (an action from ACTIONS), which object and
which fields, never a field's value: secrets cannot reach the log through it. Entries are
kept until an admin purges them by date, and the purge is itself recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, User

# action -> label, grouped as the audit page's filter shows them.
ACTIONS = {
    "login": "Logged in",
    "login_failed": "Failed log-in",
    "logout": "Logged out",
    "password_changed": "Changed a password",
    "settings_changed": "Changed settings",
    "manage_connected": "Connected ConnectWise Manage",
    "qbo_connected": "Connected QuickBooks Online",
    "qbo_disconnected": "Disconnected QuickBooks Online",
    "config_created": "Created a configuration",
    "config_deleted": "Deleted a configuration",
    "batch_run": "Ran a batch",
    "batch_retried": "Retried a batch",
    "transaction_unbatched": "Unbatched a transaction",
    "transactions_marked": "Marked transactions as exported",
    "pairing_changed": "Re-paired a customer or vendor",
    "pairing_removed": "Unpaired a customer or vendor",
    "user_invited": "Invited a user",
    "invitation_withdrawn": "Withdrew an invitation",
    "role_changed": "Changed a role",
    "user_deactivated": "Deactivated a user",
    "user_reactivated": "Reactivated a user",
    "support_sent": "Contacted support",
    "audit_purged": "Purged the audit log",
}
# Anything that looks like "token=...", "Bearer ...", "password: ..." in free text.
SECRET_TEXT = re.compile(
    r"(?i)((?:(?:token|secret|password|passwd|api[_-]?key|private[_-]?key|authorization)"
    r"\s*[=:]\s*)(?:bearer\s+|basic\s+)?|bearer\s+|basic\s+)\S+"
)


def scrub(text: str) -> str:
    """Return text with whatever follows a secret-looking label replaced."""
    return SECRET_TEXT.sub(lambda m: m.group(1) + "[redacted]", text or "")


def _who(user: User | None) -> str:
    return f"{user.name} <{user.email}>" if user is not None else ""


def record(
    action: str,
    target: str = "",
    *,
    fields: Iterable[str] = (),
    detail: str = "",
    user: User | None = None,
) -> AuditEntry:
    """Write one entry and commit it; call after the change itself is committed.

    ``user`` defaults to the logged-in user; the address is the request's client address
    (after TRUSTED_PROXIES). ``fields`` are names only; ``detail`` is scrubbed of secrets.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to cwqbo.audit.ACTIONS")
    ip = ""
    if has_request_context():
        ip = request.remote_addr or ""
        if user is None and current_user and current_user.is_authenticated:
            user = current_user._get_current_object()
    entry = AuditEntry(
        action=action,
        target=scrub(str(target))[:400],
        fields=sorted({str(f) for f in fields}),
        detail=scrub(detail)[:2000],
        user_id=user.id if user is not None else None,
        actor=_who(user)[:400],
        ip=ip[:64],
    )
    db.session.add(entry)
    db.session.commit()
    return entry


MANAGE_FIELDS = ("site", "company_id", "public_key", "private_key", "client_id")


def snapshot(obj, names: Iterable[str]) -> dict:
    """Return the named attributes of obj (or {} for None), to compare after a change.

    The values stay in memory for ``diff_fields``; only names are ever recorded.
    """
    return {} if obj is None else {name: getattr(obj, name, None) for name in names}


def diff_fields(before: dict, after: dict) -> list[str]:
    """Return the names whose values differ between two snapshots (or option dicts)."""
    return sorted(k for k in {*before, *after} if before.get(k) != after.get(k))


def purge(before: datetime) -> int:
    """Delete entries older than ``before``; record the purge; return how many went."""
    result = db.session.execute(sa.delete(AuditEntry).where(AuditEntry.at < before))
    db.session.commit()
    count = result.rowcount or 0
    record(
        "audit_purged",
        f"entries before {before:%Y-%m-%d %H:%M} UTC",
        detail=f"{count} entr{'y' if count == 1 else 'ies'} deleted",
    )
    return count
