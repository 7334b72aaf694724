"""Signed, expiring tokens for e-mail links."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY = ("verify-email", 3 * 24 * 3600)
RESET = ("reset-password", 3600)


class TokenInvalid(Exception):
    """The link is malformed, tampered with or expired; the message says which."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(kind: tuple[str, int], payload: dict) -> str:
    """Sign payload for the given purpose."""
    return _serializer(kind[0]).dumps(payload)


def read_token(kind: tuple[str, int], token: str, max_age: int | None = None) -> dict:
    """Return the payload of a valid, unexpired token or raise TokenInvalid."""
    try:
        return _serializer(kind[0]).loads(token, max_age=max_age or kind[1])
    except SignatureExpired:
        raise TokenInvalid("This link has expired.") from None
    except BadSignature:
        raise TokenInvalid("This link is not valid. Check that you copied all of it.") from None


def invite_kind() -> tuple[str, int]:
    """Return the invitation token purpose, whose lifetime is a setting."""
    return ("accept-invitation", current_app.config["INVITATION_DAYS"] * 24 * 3600)
