"""Team members and their invitations."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from cwqbo.extensions import db

MIN_PASSWORD_LENGTH = 12


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_stamp() -> str:
    """Return a fresh random stamp (opaque; says nothing about the password)."""
    return secrets.token_urlsafe(24)


def hash_method() -> str:
    """Return the configured password hash (PASSWORD_HASH; werkzeug's scrypt by default)."""
    return current_app.config.get("PASSWORD_HASH", "scrypt") if has_app_context() else "scrypt"


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def check_no_password(password: str) -> bool:
    """Do the work of a password check for an unknown address, so timing reveals nothing."""
    check_password_hash(_dummy_hash(hash_method()), password)
    return False


class Role(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.MEMBER.value)
    email_verified_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session's user id: changing it ends every session of the user.
    session_stamp: Mapped[str] = mapped_column(sa.String(64), default=new_stamp)
    # Carried by reset links: changes with the password, so a link works once.
    password_stamp: Mapped[str] = mapped_column(sa.String(64), default=new_stamp)

    def get_id(self) -> str:  # Flask-Login's alternative id: "<id>:<session stamp>"
        return f"{self.id}:{self.session_stamp}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.deactivated_at is None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def set_password(self, password: str) -> None:
        """Hash and store password (PASSWORD_HASH: scrypt unless configured otherwise)."""
        self.password_hash = generate_password_hash(password, method=hash_method())
        self.password_stamp = new_stamp()
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        """Return whether password matches."""
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """End every session and remember-me token of this user (the caller commits)."""
        self.session_stamp = new_stamp()
        if self.id is not None:
            db.session.execute(sa.delete(RememberToken).where(RememberToken.user_id == self.id))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.MEMBER.value)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > utcnow()


class RememberToken(db.Model):
    """A remember-me cookie: looked up by selector, proven by a validator stored only hashed."""

    __tablename__ = "remember_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    selector: Mapped[str] = mapped_column(sa.String(32), unique=True)
    validator_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
