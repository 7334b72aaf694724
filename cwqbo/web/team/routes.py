"""Users (admin) and Account views."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm

from cwqbo import audit
from cwqbo.extensions import db
from cwqbo.models import Invitation, Role, User
from cwqbo.models.user import utcnow
from cwqbo.web.auth import emails, sessions
from cwqbo.web.auth.routes import find_user
from cwqbo.web.guards import admin_required
from cwqbo.web.team import bp
from cwqbo.web.team.forms import InviteForm, NameForm, PasswordForm, RoleForm


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        db.select(db.func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.deactivated_at.is_(None), User.id != user.id
        )
    )


def _users_page(invite_form: InviteForm | None = None, status: int = 200):
    users = db.session.scalars(db.select(User).order_by(User.name)).all()
    invitations = db.session.scalars(
        db.select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "team/users.html",
        users=users,
        invitations=invitations,
        invite_form=invite_form or InviteForm(),
        role_form=RoleForm(),
        plain_form=FlaskForm(),
    ), status


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = InviteForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _users_page(form, 400)
        email = form.email.data.strip().lower()
        if find_user(email) is not None:
            form.email.errors.append(f"{email} already has an account.")
            return _users_page(form, 400)
        days = current_app.config["INVITATION_DAYS"]
        invitation = Invitation(
            email=email,
            role=form.role.data,
            invited_by_id=current_user.id,
            expires_at=utcnow() + timedelta(days=days),
        )
        db.session.add(invitation)
        db.session.commit()
        audit.record("user_invited", email, detail=f"as {invitation.role}")
        emails.send_invitation(invitation, current_user)
        flash(f"Invitation sent to {email}. The link works for {days} days.", "success")
        return redirect(url_for("team.users"))
    return _users_page()


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, description="That user does not exist.")
    return user


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id: int):
    user, form = _target(user_id), RoleForm()
    if not form.validate_on_submit():
        abort(400, description="Choose Admin or Member.")
    if form.role.data != Role.ADMIN.value and user.is_admin and _other_active_admins(user) == 0:
        flash("cwqbo needs at least one active admin; make someone else admin first.", "error")
    else:
        before, user.role = user.role, form.role.data
        db.session.commit()
        audit.record("role_changed", user.email, fields=["role"], detail=f"{before} to {user.role}")
        flash(f"{user.name} is now {form.role.data}.", "success")
    return redirect(url_for("team.users"))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate(user_id: int):
    user = _target(user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate yourself; ask another admin.", "error")
    elif user.is_admin and _other_active_admins(user) == 0:
        flash("cwqbo needs at least one active admin.", "error")
    else:
        user.deactivated_at = utcnow()
        user.end_sessions()
        db.session.commit()
        audit.record("user_deactivated", user.email)
        flash(f"{user.name} is deactivated and can no longer log in.", "success")
    return redirect(url_for("team.users"))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate(user_id: int):
    user = _target(user_id)
    user.deactivated_at = None
    db.session.commit()
    audit.record("user_reactivated", user.email)
    flash(f"{user.name} can log in again.", "success")
    return redirect(url_for("team.users"))


@bp.route("/users/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@admin_required
def withdraw(invitation_id: int):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is not None and invitation.accepted_at is None:
        db.session.delete(invitation)
        db.session.commit()
        audit.record("invitation_withdrawn", invitation.email)
        flash(f"Invitation for {invitation.email} withdrawn.", "success")
    return redirect(url_for("team.users"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    name_form = NameForm(prefix="name", obj=current_user)
    password_form = PasswordForm(prefix="pw")
    status = 200
    if request.method == "POST":
        if "name-name" in request.form:
            if name_form.validate_on_submit():
                current_user.name = name_form.name.data.strip()
                db.session.commit()
                flash("Your name is saved.", "success")
                return redirect(url_for("team.account"))
            status = 400
        elif password_form.validate_on_submit():
            if not current_user.check_password(password_form.current.data):
                password_form.current.errors.append("That is not your current password.")
                status = 400
            else:
                user = current_user._get_current_object()
                user.set_password(password_form.password.data)  # ends every session
                sessions.forget()
                db.session.commit()
                audit.record("password_changed", user.email, detail="on the Account page")
                login_user(user)  # this browser stays in, with the new session stamp
                flash(
                    "Your password is changed. Every other session and remembered device "
                    "is logged out.",
                    "success",
                )
                return redirect(url_for("team.account"))
        else:
            status = 400
    return render_template(
        "team/account.html", name_form=name_form, password_form=password_form
    ), status
