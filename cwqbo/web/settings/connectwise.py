"""Set Up ConnectWise: save validates for real (spec B1-B3)."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from cwqbo import audit
from cwqbo.connections import manage_credentials, record_manage_check, save_manage_connection
from cwqbo.connectwise import ManageCredentials
from cwqbo.connectwise.credentials import credential_problems, same_site
from cwqbo.connectwise.probe import UNTESTED_ROLE_LINES, ProbeResult, check_connection
from cwqbo.extensions import db
from cwqbo.models import ManageConnection
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.forms import ManageForm

log = logging.getLogger(__name__)


def probe(credentials: ManageCredentials) -> ProbeResult:
    """Check credentials against Manage (a seam tests can point at the sandbox)."""
    return check_connection(credentials)


def _render(form: ManageForm, connection: ManageConnection | None, result=None, status=200):
    return render_template(
        "settings/connectwise.html",
        form=form,
        connection=connection,
        result=result,
        role_problems=bool(result) and any("level must be All" in p for p in result.problems),
        recheck_form=FlaskForm(prefix="recheck"),
        untested=UNTESTED_ROLE_LINES,
    ), status


@bp.route("/connectwise", methods=["GET", "POST"])
@admin_required
def connectwise():
    connection = ManageConnection.current()
    form = ManageForm(obj=connection)
    if not form.is_submitted() and connection is None:
        form.client_id.data = current_app.config["CW_CLIENT_ID"]
    if not form.validate_on_submit():
        return _render(form, connection, status=400 if form.is_submitted() else 200)

    site, company_id = form.site.data.strip(), form.company_id.data.strip()
    moved = _moved(connection, site, company_id)
    kept = connection.private_key if connection is not None and not moved else ""
    private_key = form.private_key.data or kept
    if not private_key:
        form.private_key.errors = [
            f"You changed the {moved}: type the private key again (the saved key is only "
            "ever sent to the Site and Company ID it was saved for)."
            if moved
            else "Type the API member's private key."
        ]
        return _render(form, connection, status=400)
    credentials = ManageCredentials(
        site=site,
        company_id=company_id,
        public_key=form.public_key.data.strip(),
        private_key=private_key,
        client_id=form.client_id.data.strip(),
    )
    unsendable = credential_problems(credentials)
    if unsendable:  # checked before anything is sent anywhere
        for name, problem in unsendable.items():
            getattr(form, name).errors = [problem]
        return _render(form, connection, status=400)
    result = probe(credentials)
    if not result.ok:
        # The working connection (if any) stays as it was; nothing half-saved.
        log.info("Manage connection check failed for %s: %s", credentials.site, result.problems)
        return _render(form, connection, result=result, status=422)

    before = audit.snapshot(connection, audit.MANAGE_FIELDS)
    connection = save_manage_connection(credentials, result, current_user.id)
    after = audit.snapshot(connection, audit.MANAGE_FIELDS)
    audit.record("manage_connected", _name(connection), fields=audit.diff_fields(before, after))
    flash(f"Connected to ConnectWise Manage ({_name(connection)}). Saved.", "success")
    return redirect(url_for("settings.connectwise"))


@bp.route("/connectwise/check", methods=["POST"])
@admin_required
def connectwise_check():
    connection = ManageConnection.current()
    if connection is None or not FlaskForm(prefix="recheck").validate_on_submit():
        return redirect(url_for("settings.connectwise"))
    result = probe(manage_credentials(connection))
    record_manage_check(connection, result, current_user.id)
    db.session.commit()
    if result.ok:
        flash(f"The connection to ConnectWise Manage ({_name(connection)}) works.", "success")
    else:
        flash("The saved ConnectWise Manage connection no longer works: see below.", "error")
    return redirect(url_for("settings.connectwise"))


def _moved(connection: ManageConnection | None, site: str, company_id: str) -> str | None:
    """Name what changed ("Site" / "Company ID") since the saved key was saved, if anything.

    No connection yet means no saved key to protect: the form then asks for a key anyway.
    """
    if connection is None:
        return None
    if not same_site(connection.site, site):
        return "Site"
    if connection.company_id != company_id:
        return "Company ID"
    return None


def _name(connection: ManageConnection) -> str:
    return connection.company_name or connection.company_id
