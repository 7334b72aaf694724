"""The account e-mails, with links built from PUBLIC_URL."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from cwqbo.mail import send_mail
from cwqbo.models import Invitation, User
from cwqbo.web.auth.tokens import RESET, VERIFY, invite_kind, make_token


def external_url(endpoint: str, **values) -> str:
    """Return an absolute link on PUBLIC_URL (works outside requests too)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def send_verification(user: User) -> None:
    link = external_url(
        "auth.verify", token=make_token(VERIFY, {"uid": user.id, "email": user.email})
    )
    text = render_template("email/verify.txt", user=user, link=link)
    send_mail(user.email, "Verify your email address for cwqbo", text)


def send_reset(user: User) -> None:
    token = make_token(RESET, {"uid": user.id, "stamp": user.password_stamp})
    link = external_url("auth.reset", token=token)
    text = render_template("email/reset.txt", user=user, link=link)
    send_mail(user.email, "Reset your cwqbo password", text)


def send_invitation(invitation: Invitation, inviter: User) -> None:
    token = make_token(invite_kind(), {"iid": invitation.id, "email": invitation.email})
    link = external_url("auth.accept", token=token)
    text = render_template("email/invite.txt", invitation=invitation, inviter=inviter, link=link)
    send_mail(invitation.email, f"{inviter.name} invited you to cwqbo", text)
