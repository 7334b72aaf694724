"""What every option tab shares: its live lists, rendering, atomic saving, refreshing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from cwqbo import audit, connections
from cwqbo.connections import NotConnected
from cwqbo.connectwise.errors import ManageError
from cwqbo.extensions import db, htmx
from cwqbo.jobs import get_redis
from cwqbo.models import ConfigurationOptions, QBOConfiguration
from cwqbo.options.fields import REF, TabSpec, stale_errors
from cwqbo.options.lists import SYSTEM, ListUnavailable, LiveLists
from cwqbo.quickbooks.errors import QBOConnectionLost, QBOError
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.quickbooks import get_config
from cwqbo.web.settings.tabs import TABS

FAILED = 422  # a re-rendered tab whose save was refused


def live_lists(config: QBOConfiguration) -> LiveLists:
    """Return the configuration's live lists, loaded through the saved connections."""

    def qbo():
        try:
            return connections.qbo_client(config, max_retries=1)
        except NotConnected as exc:
            raise ListUnavailable(str(exc)) from exc

    def manage():
        try:
            return connections.manage_client()
        except NotConnected as exc:
            raise ListUnavailable(str(exc)) from exc

    return LiveLists(
        get_redis(),
        config.id,
        {"qbo": qbo, "manage": manage},
        fetch_errors=(QBOError, ManageError),
        explain=lambda exc: config.lost_message if isinstance(exc, QBOConnectionLost) else None,
    )


def not_connected_message(config: QBOConfiguration) -> str:
    try:
        connections.qbo_client(config)
    except NotConnected as exc:
        return str(exc)
    return ""


def load_fresh(config: QBOConfiguration, sources) -> tuple[dict, dict[str, str]]:
    """Load lists from their systems (not the cache) for validating a save."""
    live, lists, problems = live_lists(config), {}, {}
    for name in sources:
        try:
            lists[name] = live.get(name, fresh=True)
        except ListUnavailable as exc:
            problems[name] = str(exc)
    return lists, problems


def needed_sources(spec: TabSpec, raw: dict[str, Any]) -> list[str]:
    """Return the lists a save must consult: those of the references that are filled in."""
    return list(dict.fromkeys(f.source for f in spec.fields if f.kind == REF and raw[f.name]))


def loaded_phrase(loaded_at: float | None) -> str | None:
    if loaded_at is None:
        return None
    minutes = int((time.time() - loaded_at) // 60)
    if minutes < 1:
        return "loaded just now"
    stamp = datetime.fromtimestamp(loaded_at, UTC).strftime("%H:%M UTC")
    return f"loaded {minutes} min ago ({stamp})"


def render_tab(
    config: QBOConfiguration,
    spec: TabSpec,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    lists: dict | None = None,
    notice: str | None = None,
    failed: bool = False,
    **extra: Any,
) -> str:
    """Render a tab: saved values (with vanished references flagged) or a refused save."""
    options = ConfigurationOptions.for_config(config)
    live = live_lists(config)
    known, problem = live.peek([s for s in spec.sources if s not in (lists or {})])
    lists = {**known, **(lists or {})}
    if values is None:
        values = spec.values_from(options, config)
        errors = stale_errors(spec.fields, values, lists)
    if not config.is_connected and any(SYSTEM[s] == "QuickBooks Online" for s in spec.sources):
        problem = not_connected_message(config)  # even when cached lists are still at hand
    return render_template(
        f"settings/qbo_tabs/_{spec.slug}.html",
        config=config,
        spec=spec,
        fields=spec.by_name,
        values=values,
        errors=errors or {},
        lists=lists,
        list_problem=problem,
        systems=sorted({SYSTEM[s] for s in spec.sources}),
        loaded=loaded_phrase(live.loaded_at(spec.sources)),
        notice=notice,
        failed=failed,
        save_url=url_for("settings.qbo_tab", config_id=config.id, tab=spec.slug),
        refresh_url=url_for("settings.qbo_refresh_lists", config_id=config.id),
        **extra,
    )


def save_tab(
    config: QBOConfiguration,
    spec: TabSpec,
    render: Callable[..., str],
    extra_checks: Callable[[QBOConfiguration, dict], dict[str, str]] | None = None,
):
    """Validate the submitted tab against fresh lists; store all of it or nothing."""
    options = ConfigurationOptions.for_config(config)
    saved = spec.values_from(options, config)
    raw = spec.read(request.form)
    lists, problems = load_fresh(config, needed_sources(spec, raw))
    outcome = spec.check(raw, saved, lists, problems, config)
    if extra_checks is not None:
        for name, error in extra_checks(config, outcome.values).items():
            outcome.errors.setdefault(name, error)
    if not outcome.ok:
        db.session.rollback()
        return render(
            config, values=outcome.values, errors=outcome.errors, lists=lists, failed=True
        ), FAILED
    spec.apply(options, config, outcome.values)
    db.session.commit()
    fields = audit.diff_fields(saved, outcome.values)
    audit.record("settings_changed", f"{config.name}: {spec.label} options", fields=fields)
    return saved_response(config, spec, render)


def saved_response(config: QBOConfiguration, spec: TabSpec, render: Callable[..., str]):
    """Answer a successful save: the tab again for HTMX, a redirect for a plain form post."""
    message = f"{spec.label} options saved."
    if htmx:
        return render(config, notice=message)
    flash(message, "success")
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab=spec.slug))


@bp.route("/quickbooks/<int:config_id>/lists/refresh", methods=["POST"])
@admin_required
def qbo_refresh_lists(config_id: int):
    """Forget the cached lists (and re-read the company's settings), then show the tab."""
    config = get_config(config_id)
    live_lists(config).refresh()
    if config.is_connected:
        try:
            connections.read_company(config, connections.qbo_client(config, max_retries=1))
            db.session.commit()
        except (QBOError, NotConnected):
            db.session.rollback()  # the tab shows the list problem itself
    tab = request.form.get("tab", "")
    tab = tab if tab in TABS else "company"
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab=tab))


@bp.route("/quickbooks/<int:config_id>/options/removed")
@admin_required
def qbo_option_removed(config_id: int):
    """Acknowledge a row removed in the page (hx-swap="delete"); nothing is stored until Save."""
    get_config(config_id)
    return ""
