"""Set Up QuickBooks Online: the configurations and their tabbed pages (spec C1, C5, C6)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError

from cwqbo import audit
from cwqbo.extensions import db, htmx
from cwqbo.models import QBOConfiguration
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.qbo_forms import DeleteForm, NewConfigurationForm, RenameForm
from cwqbo.web.settings.tabs import TABS, ordered_tabs


def get_config(config_id: int) -> QBOConfiguration:
    config = db.session.get(QBOConfiguration, config_id)
    if config is None:
        abort(404, description="That QuickBooks Online configuration does not exist.")
    return config


def name_taken(name: str, config: QBOConfiguration | None = None) -> bool:
    """Say whether another configuration has this name in any letter case. Compared here:
    SQLite's lower() folds only ASCII, so "Ölwerk" twice would pass it and hit the unique key."""
    wanted = name.strip().casefold()
    query = db.select(QBOConfiguration.name)
    if config is not None:
        query = query.where(QBOConfiguration.id != config.id)
    return any(other.strip().casefold() == wanted for other in db.session.scalars(query))


def _list_page(form: NewConfigurationForm | None = None, status: int = 200):
    return render_template(
        "settings/quickbooks_list.html",
        configs=QBOConfiguration.ordered(),
        form=form or NewConfigurationForm(),
        plain_form=FlaskForm(),
    ), status


@bp.route("/quickbooks", methods=["GET", "POST"])
@admin_required
def quickbooks():
    form = NewConfigurationForm()
    if request.method == "GET":
        return _list_page()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    name = form.name.data.strip()
    if name_taken(name):
        form.name.errors.append(f"A configuration named {name} already exists.")
        return _list_page(form, 400)
    config = QBOConfiguration(name=name, is_default=QBOConfiguration.default() is None)
    db.session.add(config)
    db.session.commit()
    audit.record("config_created", name)
    flash(f"{name} added. Connect it to its QuickBooks Online company.", "success")
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="connection"))


@bp.route("/quickbooks/<int:config_id>")
@admin_required
def qbo_config(config_id: int):
    return redirect(
        url_for("settings.qbo_tab", config_id=get_config(config_id).id, tab="connection")
    )


@bp.route("/quickbooks/<int:config_id>/<tab>", methods=["GET", "POST"])
@admin_required
def qbo_tab(config_id: int, tab: str):
    config = get_config(config_id)
    current = TABS.get(tab)
    if current is None:
        abort(404, description="That tab does not exist.")
    if request.method == "POST":
        if current.save is None:
            abort(405)
        result = current.save(config)
        if isinstance(result, tuple):
            fragment, status = result  # a re-rendered tab with its status (422: refused)
        elif isinstance(result, str):
            fragment, status = result, 200
        else:
            return result  # a redirect or a full response
    else:
        fragment, status = current.render(config), 200
    context = {"config": config, "tabs": ordered_tabs(), "current": current, "fragment": fragment}
    if htmx and htmx.target == "tab-panel":
        return render_template("settings/_qbo_panel.html", **context), status
    if config.is_lost and request.method == "GET":
        flash(config.lost_message, "error")
    _allow_connect()
    return render_template(
        "settings/quickbooks_config.html",
        rename_form=RenameForm(obj=config),
        plain_form=FlaskForm(),
        **context,
    ), status


@bp.route("/quickbooks/<int:config_id>/rename", methods=["POST"])
@admin_required
def qbo_rename(config_id: int):
    config, form = get_config(config_id), RenameForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if name_taken(name, config):
            flash(f"A configuration named {name} already exists.", "error")
        else:
            before, config.name = config.name, name
            db.session.commit()
            audit.record("settings_changed", before, fields=["name"], detail=f"renamed to {name}")
            flash(f"Renamed to {name}.", "success")
    else:
        flash(" ".join(form.name.errors) or "Give the configuration a name.", "error")
    return redirect(request.referrer or url_for("settings.quickbooks"))


@bp.route("/quickbooks/<int:config_id>/default", methods=["POST"])
@admin_required
def qbo_make_default(config_id: int):
    config = get_config(config_id)
    if FlaskForm().validate_on_submit():
        # Exactly one default: clear the others in the same transaction.
        db.session.execute(
            db.update(QBOConfiguration)
            .where(QBOConfiguration.id != config.id)
            .values(is_default=False)
        )
        config.is_default = True
        db.session.commit()
        audit.record("settings_changed", config.name, fields=["is_default"])
        flash(f"{config.name} is now the default configuration.", "success")
    return redirect(url_for("settings.quickbooks"))


@bp.route("/quickbooks/<int:config_id>/delete", methods=["GET", "POST"])
@admin_required
def qbo_delete(config_id: int):
    config, form = get_config(config_id), DeleteForm()
    if form.validate_on_submit():
        name, was_default = config.name, config.is_default
        _revoke_quietly(config)
        db.session.delete(config)
        db.session.flush()
        if was_default:
            successor = db.session.scalar(
                db.select(QBOConfiguration).order_by(QBOConfiguration.id).limit(1)
            )
            if successor is not None:
                successor.is_default = True
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(f"{name} could not be deleted: it is still in use.", "error")
            return redirect(url_for("settings.quickbooks"))
        audit.record("config_deleted", name)
        flash(f"{name} and its batch history and statistics are deleted.", "success")
        return redirect(url_for("settings.quickbooks"))
    return render_template("settings/quickbooks_delete.html", config=config, form=form), (
        400 if form.is_submitted() else 200
    )


def _allow_connect() -> None:
    from cwqbo.web.settings.qbo_connection import allow_connect

    allow_connect()


def _revoke_quietly(config: QBOConfiguration) -> None:
    from cwqbo.web.settings.qbo_connection import revoke_tokens

    revoke_tokens(config, quiet=True)
