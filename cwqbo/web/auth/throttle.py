"""Log-in and reset-request throttling per account and per IP (flask-limiter on Redis)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from cwqbo.extensions import limiter


def account_key() -> str:
    """Key failed logins by the e-mail address tried."""
    return "account:" + request.form.get("email", "").strip().lower()


def ip_key() -> str:
    return "ip:" + get_remote_address()


def failed(response) -> bool:
    """Count only attempts with a wrong address or password."""
    return bool(g.get("login_failed"))


def account_limit() -> str:
    return current_app.config["LOGIN_THROTTLE_ACCOUNT"]


def ip_limit() -> str:
    return current_app.config["LOGIN_THROTTLE_IP"]


def throttled(view):
    """Apply both log-in limits to a view (POST only)."""
    view = limiter.limit(account_limit, key_func=account_key, methods=["POST"], deduct_when=failed)(
        view
    )
    return limiter.limit(ip_limit, key_func=ip_key, methods=["POST"], deduct_when=failed)(view)


def forgot_account_key() -> str:
    """Key reset requests by the address asked for (known or not: the same either way)."""
    return "forgot:" + request.form.get("email", "").strip().lower()


def forgot_ip_key() -> str:
    return "forgot-ip:" + get_remote_address()


def forgot_throttled(view):
    """Limit reset requests per address and per IP (POST only, every request counts)."""
    view = limiter.limit(
        lambda: current_app.config["FORGOT_THROTTLE_ACCOUNT"],
        key_func=forgot_account_key,
        methods=["POST"],
    )(view)
    return limiter.limit(
        lambda: current_app.config["FORGOT_THROTTLE_IP"], key_func=forgot_ip_key, methods=["POST"]
    )(view)


def retry_moment() -> tuple[str, int]:
    """Return (HH:MM UTC, minutes) until the breached limit lets the user in again."""
    current = limiter.current_limit
    reset = current.reset_at if current else datetime.now(UTC).timestamp() + 900
    seconds = max(0, reset - datetime.now(UTC).timestamp())
    minutes = max(1, int((seconds + 59) // 60))
    return datetime.fromtimestamp(reset, UTC).strftime("%H:%M"), minutes
