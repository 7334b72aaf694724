"""Connect a configuration with Intuit OAuth 2.0, check it, disconnect it (spec C2-C5)."""

from __future__ import annotations

import json
import logging
import secrets
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from cwqbo import audit, connections
from cwqbo.connections import NotConnected
from cwqbo.connections.clients import INTUIT_APP_SECTION
from cwqbo.crypto import secret_box
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import QBOConfiguration
from cwqbo.models.user import utcnow
from cwqbo.quickbooks.errors import QBOAccessDenied, QBOConnectionLost, QBOError
from cwqbo.quickbooks.oauth import endpoints_for, parse_callback
from cwqbo.web import allow_form_action
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.quickbooks import get_config
from cwqbo.web.settings.tabs import tab

log = logging.getLogger(__name__)
STATE_KEY = KEY_PREFIX + "qbo:oauth-state:"
STATE_TTL = 600  # seconds the admin has to finish Intuit's consent screen


def authorization_origin() -> str | None:
    """Return the origin of Intuit's consent page (the local sandbox's in local mode)."""
    cfg = current_app.config
    try:
        url = endpoints_for(cfg["QBO_ENVIRONMENT"], cfg["QBO_LOCAL_BASE_URL"]).authorize_url
    except ValueError:
        return None  # config.py refuses such settings; nothing to allow then
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def allow_connect() -> None:
    """Let this page's Connect to QuickBooks form follow its redirect to Intuit's consent page.

    Every page of a configuration needs it, not only the Connection tab: tabs are swapped in
    by HTMX, and the policy that applies is the one of the page first loaded.
    """
    origin = authorization_origin()
    try:
        if origin:
            allow_form_action(origin)
    except ValueError:
        log.warning("QBO_LOCAL_BASE_URL gives no usable origin: %r", origin)


@tab("connection", "Connection", order=100)
def connection_tab(config: QBOConfiguration) -> str:
    problem = None
    if config.is_connected and request.method == "GET":
        problem = check(config)  # opening the tab validates the connection for real (C3)
    return render_template(
        "settings/qbo_tabs/_connection.html",
        config=config,
        form=FlaskForm(),
        problem=None if config.is_lost else problem,
        app_configured=bool(current_app.config["QBO_CLIENT_ID"]),
        readme_section=INTUIT_APP_SECTION,
    )


@bp.route("/quickbooks/<int:config_id>/connect", methods=["POST"])
@admin_required
def qbo_connect(config_id: int):
    config = get_config(config_id)
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="connection"))
    try:
        oauth = connections.intuit_oauth()
    except NotConnected as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="connection"))
    state = secrets.token_urlsafe(32)
    payload = json.dumps({"config_id": config.id, "user_id": current_user.id})
    get_redis().set(STATE_KEY + state, payload, ex=STATE_TTL)
    return redirect(oauth.authorization_url(state))


@bp.route("/quickbooks/callback")
@admin_required
def qbo_callback():
    state = request.args.get("state", "")
    raw = get_redis().getdel(STATE_KEY + state) if state else None
    data = json.loads(raw) if raw else None
    if data is None or data.get("user_id") != current_user.id:
        flash(
            "This QuickBooks Online authorization does not match one started here, or it took "
            "longer than 10 minutes. Nothing was changed; start again with Connect to QuickBooks.",
            "error",
        )
        return redirect(url_for("settings.quickbooks"))
    config = get_config(data["config_id"])
    back = url_for("settings.qbo_tab", config_id=config.id, tab="connection")
    try:
        result = parse_callback(request.args, expected_state=state)
    except QBOAccessDenied:
        flash(
            "The connection to QuickBooks Online was declined on Intuit's page. "
            "Nothing was changed.",
            "info",
        )
        return redirect(back)
    except QBOError as exc:
        flash(f"Intuit did not complete the connection ({exc}). Try again.", "error")
        return redirect(back)

    other = db.session.scalar(
        db.select(QBOConfiguration).where(
            QBOConfiguration.realm_id == result.realm_id,
            QBOConfiguration.id != config.id,
            QBOConfiguration.status != QBOConfiguration.NOT_CONNECTED,
        )
    )
    if other is not None:
        flash(
            f"That QuickBooks Online company is already connected as {other.name}. "
            "Use that configuration, or disconnect it first.",
            "error",
        )
        return redirect(back)
    try:
        tokens = connections.intuit_oauth().exchange_code(result.code, result.realm_id)
    except QBOError as exc:
        flash(f"Intuit refused to finish the connection ({exc}). Try again.", "error")
        return redirect(back)
    connections.write_tokens(config, tokens)
    config.connected_at = utcnow()
    db.session.commit()  # tokens are durable before anything else can fail
    audit.record("qbo_connected", config.name, detail=f"QuickBooks company {config.realm_id}")
    try:
        connections.read_company(config, connections.qbo_client(config))
        db.session.commit()
    except QBOError as exc:
        db.session.rollback()
        flash(f"Connected, but the company details could not be read yet ({exc}).", "error")
        return redirect(back)
    flash(
        f"{config.name} is connected to QuickBooks Online company {config.company_name}.", "success"
    )
    return redirect(back)


def check(config: QBOConfiguration) -> str | None:
    """Validate the connection for real; return a problem, or None when it works."""
    try:
        connections.read_company(config, connections.qbo_client(config, max_retries=1))
        db.session.commit()
        return None
    except QBOConnectionLost:
        db.session.rollback()
        db.session.refresh(config)  # the token store marked it lost in its own session
        return config.lost_message
    except (QBOError, NotConnected) as exc:
        db.session.rollback()
        return f"QuickBooks Online could not be reached just now ({exc}). Try again shortly."


@bp.route("/quickbooks/<int:config_id>/check", methods=["POST"])
@admin_required
def qbo_check(config_id: int):
    config = get_config(config_id)
    if FlaskForm().validate_on_submit() and config.is_connected:
        problem = check(config)
        if problem is None:
            flash(f"The connection to {config.company_name} works.", "success")
        elif not config.is_lost:
            flash(problem, "error")
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="connection"))


def revoke_tokens(config: QBOConfiguration, quiet: bool = False) -> bool:
    """Revoke the configuration's token at Intuit and forget it locally."""
    revoked = True
    if config.refresh_token_encrypted:
        try:
            connections.intuit_oauth().revoke(secret_box().decrypt(config.refresh_token_encrypted))
        except (QBOError, NotConnected) as exc:
            revoked = False
            log.warning("revoking the token of %s failed: %s", config.name, exc)
            if not quiet:
                flash(
                    f"Intuit did not confirm the revocation ({exc}); the tokens are "
                    "forgotten here anyway. You can also disconnect the app in QuickBooks.",
                    "error",
                )
    connections.clear_tokens(config)
    return revoked


@bp.route("/quickbooks/<int:config_id>/disconnect", methods=["GET", "POST"])
@admin_required
def qbo_disconnect(config_id: int):
    """Ask first (like Delete does); disconnect only when the confirmation is sent."""
    config = get_config(config_id)
    form = FlaskForm()
    if not config.is_connected:
        flash(f"{config.name} is not connected to QuickBooks Online.", "info")
    elif request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("settings/quickbooks_disconnect.html", config=config, form=form)
    elif form.validate_on_submit():
        revoke_tokens(config)
        db.session.commit()
        audit.record("qbo_disconnected", config.name)
        flash(f"{config.name} is disconnected from QuickBooks Online.", "success")
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="connection"))
