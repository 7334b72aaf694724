"""Sessions that end everywhere at once, and remember-me tokens that rotate and are stored hashed.

A session carries the user's alternative id ``<id>:<session stamp>``; changing the stamp (logout,
password change, deactivation) ends every session of that user. A remember-me cookie carries
``<selector>.<validator>``: the selector finds its row, the validator is checked against the
SHA-256 stored there (it is a random secret, so a fast hash suffices), and the row expires after
REMEMBER_DAYS. Flask-Login's own remember cookie (one value per user, for a year) is never used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, request, session
from flask_login import login_user

from cwqbo.extensions import db, login_manager
from cwqbo.models import User
from cwqbo.models.user import RememberToken, utcnow
from cwqbo.web.auth import bp

COOKIE = "cwqbo_remember"
LEGACY_COOKIE = "remember_token"  # Flask-Login's, set by earlier versions of cwqbo


def _digest(validator: str) -> str:
    return hashlib.sha256(validator.encode()).hexdigest()


def _usable(user: User | None) -> bool:
    return user is not None and user.is_active and user.is_verified


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """Return the session's user while its stamp is current (a stale stamp ends the session)."""
    user_id, _, stamp = str(alternative_id).partition(":")
    if not user_id.isdigit() or not stamp:
        return None
    user = db.session.get(User, int(user_id))
    if not _usable(user) or not hmac.compare_digest(user.session_stamp, stamp):
        return None
    return user


@login_manager.request_loader
def load_remembered_user(req) -> User | None:
    """Log a user with a valid remember-me cookie back in (a new, non-fresh session)."""
    value = req.cookies.get(COOKIE)
    if not value:
        return None
    row = _row_for(value)
    if row is None:
        forget()
        return None
    user = db.session.get(User, row.user_id)
    if not _usable(user):
        forget()
        return None
    login_user(user, fresh=False)
    return user


def _row_for(value: str) -> RememberToken | None:
    selector, _, validator = value.partition(".")
    if not selector or not validator or len(selector) > 32:
        return None
    row = db.session.scalar(db.select(RememberToken).where(RememberToken.selector == selector))
    if row is None or row.expires_at <= utcnow():
        return None
    if not hmac.compare_digest(row.validator_hash, _digest(validator)):
        return None
    return row


def remember(user: User) -> None:
    """Issue a new remember-me token for user and set its cookie on this response."""
    days = current_app.config["REMEMBER_DAYS"]
    selector, validator = secrets.token_urlsafe(12), secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        db.delete(RememberToken).where(
            RememberToken.user_id == user.id, RememberToken.expires_at <= now
        )
    )
    db.session.add(
        RememberToken(
            user_id=user.id,
            selector=selector,
            validator_hash=_digest(validator),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )

    @after_this_request
    def set_cookie(response):
        cfg = current_app.config
        response.set_cookie(
            COOKIE,
            f"{selector}.{validator}",
            max_age=days * 24 * 3600,
            secure=cfg["REMEMBER_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def drop_this_devices_token() -> None:
    """Delete the token behind this request's remember-me cookie, if any (the caller commits)."""
    value = request.cookies.get(COOKIE, "")
    selector = value.partition(".")[0]
    if selector:
        db.session.execute(db.delete(RememberToken).where(RememberToken.selector == selector))


def forget() -> None:
    """Delete the remember-me cookie on this response."""

    @after_this_request
    def clear_cookie(response):
        response.delete_cookie(
            COOKIE, secure=current_app.config["REMEMBER_COOKIE_SECURE"], httponly=True
        )
        return response


def end_all_sessions(user: User) -> None:
    """End every session and remember-me token of user, this browser's included."""
    user.end_sessions()
    forget()


@bp.before_app_request
def _drop_legacy_remember_cookie():
    # Flask-Login would read its old cookie first and never ask for ours; "clear" makes it
    # skip that cookie now and delete it from the browser after this request.
    if LEGACY_COOKIE in request.cookies and session.get("_remember") != "clear":
        session["_remember"] = "clear"
