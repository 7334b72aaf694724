"""Account views."""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from cwqbo import audit
from cwqbo.extensions import db, login_manager
from cwqbo.mail import outbox_dir
from cwqbo.models import Invitation, Role, User
from cwqbo.models.user import check_no_password, utcnow
from cwqbo.web.auth import bp, emails, sessions
from cwqbo.web.auth.forms import AcceptForm, ForgotForm, LoginForm, ResetForm, SignupForm
from cwqbo.web.auth.throttle import forgot_throttled, throttled
from cwqbo.web.auth.tokens import RESET, VERIFY, TokenInvalid, invite_kind, read_token


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def no_users_yet() -> bool:
    return db.session.scalar(db.select(db.func.count(User.id))) == 0


def safe_next(target: str | None) -> str:
    """Return target if it stays on this site, else the dashboard."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("dashboard.index")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if not no_users_yet():
        flash("This cwqbo already has its first admin. Ask an admin for an invitation.", "info")
        return redirect(url_for("auth.login"))
    form = SignupForm()
    if form.validate_on_submit():
        user = User(email=form.email.data.strip().lower(), name=form.name.data.strip())
        user.role = Role.ADMIN.value
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        emails.send_verification(user)
        return render_template("auth/check_email.html", email=user.email, outbox=_outbox())
    return render_template("auth/signup.html", form=form)


def _outbox() -> str | None:
    """The folder unsent mail goes to (it follows CWQBO_INSTANCE), as its reader finds it:
    relative to the folder cwqbo runs in when inside it; None when a mail server sends."""
    if current_app.config.get("MAIL_SERVER"):
        return None
    folder = outbox_dir().resolve()
    try:
        return f"{folder.relative_to(Path.cwd().resolve())}/"
    except ValueError:
        return f"{folder}/"


def _drop_login_prompt() -> None:
    """Forget "Please log in to see that page.": a first install shows the sign-up form."""
    flashes = session.get("_flashes")
    if flashes:
        session["_flashes"] = [f for f in flashes if f[1] != login_manager.login_message]


@bp.route("/verify/<token>")
def verify(token: str):
    try:
        data = read_token(VERIFY, token)
    except TokenInvalid as exc:
        flash(f"{exc} Log in to get a new verification link.", "error")
        return redirect(url_for("auth.login"))
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email != data.get("email"):
        flash("This verification link belongs to an account that no longer exists.", "error")
        return redirect(url_for("auth.login"))
    if not user.is_verified:
        user.email_verified_at = utcnow()
        db.session.commit()
    flash("Your email address is verified. You can log in now.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@throttled
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    if no_users_yet():
        _drop_login_prompt()
        return redirect(url_for("auth.signup"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None:
            # The same password-hash work as for a real account: timing reveals nothing.
            g.login_failed = not check_no_password(form.password.data)
            error = "Wrong email or password."
        elif not user.check_password(form.password.data):
            g.login_failed = True
            error = "Wrong email or password."
        elif not user.is_active:
            error = (
                "Your account has been deactivated by an admin. "
                "Ask an admin of your team to reactivate it."
            )
        elif not user.is_verified:
            emails.send_verification(user)
            error = (
                "Your email address is not verified yet. We have sent a new verification "
                f"link to {user.email}; open it, then log in."
            )
        else:
            sessions.drop_this_devices_token()
            login_user(user)  # never Flask-Login's remember cookie: ours rotates per login
            if form.remember.data:
                sessions.remember(user)
            else:
                sessions.forget()
            user.last_login_at = utcnow()
            db.session.commit()
            audit.record("login", user.email, user=user)
            return redirect(safe_next(request.args.get("next")))
        audit.record("login_failed", form.email.data.strip().lower(), detail=error, user=user)
    status = 401 if error else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Ends every session and remember-me token of the user, on every device.
    sessions.end_all_sessions(current_user)
    db.session.commit()
    audit.record("logout", current_user.email)
    logout_user()
    flash("You are logged out everywhere.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@forgot_throttled
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.is_active:
            emails.send_reset(user)
        # Same answer either way, so the form does not reveal who has an account.
        flash(
            f"If {form.email.data} belongs to an account, a reset link is on its way. "
            "It works once, within an hour.",
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    try:
        data = read_token(RESET, token)
    except TokenInvalid as exc:
        flash(f"{exc} Ask for a new reset link.", "error")
        return redirect(url_for("auth.forgot"))
    user = db.session.get(User, data.get("uid"))
    stamp = str(data.get("stamp", ""))
    if user is None or not user.is_active or not hmac.compare_digest(stamp, user.password_stamp):
        flash("This reset link has already been used. Ask for a new one if you need it.", "error")
        return redirect(url_for("auth.forgot"))
    form = ResetForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.email_verified_at = user.email_verified_at or utcnow()
        db.session.commit()
        audit.record("password_changed", user.email, user=user, detail="by a reset link")
        flash("Your password has been changed. Log in with the new one.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user)


@bp.route("/accept/<token>", methods=["GET", "POST"])
def accept(token: str):
    try:
        data = read_token(invite_kind(), token)
    except TokenInvalid as exc:
        flash(f"{exc} Ask an admin to invite you again.", "error")
        return redirect(url_for("auth.login"))
    invitation = db.session.get(Invitation, data.get("iid"))
    if invitation is None or not invitation.is_open:
        flash("This invitation has been used or withdrawn. Ask an admin for a new one.", "error")
        return redirect(url_for("auth.login"))
    if find_user(invitation.email) is not None:
        flash(f"{invitation.email} already has an account. Log in instead.", "info")
        return redirect(url_for("auth.login"))
    form = AcceptForm()
    if form.validate_on_submit():
        user = User(email=invitation.email, name=form.name.data.strip(), role=invitation.role)
        user.set_password(form.password.data)
        user.email_verified_at = utcnow()  # the invitation link proved the address
        invitation.accepted_at = utcnow()
        db.session.add(user)
        db.session.commit()
        flash("Welcome to cwqbo. Log in with your new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/accept.html", form=form, invitation=invitation)
