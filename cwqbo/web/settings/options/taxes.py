"""The Taxes tab: mapping rows added and removed in place, exempt code, exempt items (C7)."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from cwqbo import audit, connections
from cwqbo.connections import NotConnected
from cwqbo.connectwise.errors import ManageError
from cwqbo.extensions import db
from cwqbo.models import ConfigurationOptions, QBOConfiguration, TaxMapping
from cwqbo.options.fields import TabSpec, stale_errors
from cwqbo.options.lists import MANAGE_TAX_CODES, QBO_TAX_CODES
from cwqbo.options.taxes import (
    EXEMPT_CODE,
    MANAGE_CODE,
    QBO_CODE,
    check_mappings,
    check_taxes,
    exempt_items_apply,
    find_catalog_items,
    read_rows,
    search_catalog,
)
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.options.common import (
    FAILED,
    live_lists,
    load_fresh,
    render_tab,
    saved_response,
)
from cwqbo.web.settings.quickbooks import get_config
from cwqbo.web.settings.tabs import tab, tab_save


class TaxesSpec(TabSpec):
    """Values of the Taxes tab: mapping rows, the exempt code and the exempt items."""

    def values_from(self, options, config) -> dict:
        return {
            "mappings": [
                (
                    (m.manage_tax_code_id, m.manage_tax_code_name),
                    (m.qbo_tax_code_id, m.qbo_tax_code_name),
                )
                for m in TaxMapping.for_config(config)
            ],
            "exempt_tax_code": options.ref("exempt_tax_code"),
            "exempt_items": [tuple(i) for i in options.tax_exempt_items or []],
        }

    def apply(self, options, config, values) -> None:
        # Delete first and flush: the unit of work would insert before deleting, and a
        # Manage code kept across the save would then collide with itself.
        db.session.execute(db.delete(TaxMapping).where(TaxMapping.config_id == config.id))
        for position, (manage, qbo) in enumerate(values["mappings"]):
            db.session.add(
                TaxMapping(
                    config_id=config.id,
                    manage_tax_code_id=manage[0],
                    manage_tax_code_name=manage[1],
                    qbo_tax_code_id=qbo[0],
                    qbo_tax_code_name=qbo[1],
                    position=position,
                )
            )
        options.set_ref("exempt_tax_code", values["exempt_tax_code"])
        options.tax_exempt_items = [list(i) for i in values["exempt_items"]]


TAXES = TaxesSpec("taxes", "Taxes", 50, (EXEMPT_CODE, MANAGE_CODE, QBO_CODE))


def stale_mapping_errors(values: dict, lists: dict) -> dict[str, str]:
    rows = [(m[0], q[0]) for m, q in values["mappings"]]
    outcome = check_mappings(rows, values["mappings"], lists, {})
    return {k: f"Saved earlier: {v}" for k, v in outcome.errors.items()}


@tab("taxes", "Taxes", order=50)
def taxes_tab(config: QBOConfiguration, values=None, errors=None, lists=None, **kw) -> str:
    if values is None:
        options = ConfigurationOptions.for_config(config)
        values = TAXES.values_from(options, config)
        known, _ = live_lists(config).peek(TAXES.sources)
        lists = {**known, **(lists or {})}
        errors = stale_mapping_errors(values, lists)
        if values["exempt_tax_code"]:
            errors.update(stale_errors((EXEMPT_CODE,), values, lists))
    return render_tab(
        config,
        TAXES,
        values=values,
        errors=errors,
        lists=lists,
        exempt_items_apply=exempt_items_apply(config.country),
        **kw,
    )


@tab_save("taxes")
def save_taxes(config: QBOConfiguration):
    options = ConfigurationOptions.for_config(config)
    saved = TAXES.values_from(options, config)
    form = request.form
    rows = read_rows(form.getlist("manage_tax_code"), form.getlist("qbo_tax_code"))
    exempt_code = form.get("exempt_tax_code", "").strip()
    items = None
    if exempt_items_apply(config.country):
        ids, labels = form.getlist("exempt_item"), form.getlist("exempt_item_label")
        items = [(i, label) for i, label in zip(ids, labels, strict=False) if i]
    needed = []
    if any(m for m, _ in rows):
        needed.append(MANAGE_TAX_CODES)
    if exempt_code or any(q for _, q in rows):
        needed.append(QBO_TAX_CODES)
    lists, problems = load_fresh(config, needed)
    find_items = catalog_finder(problems) if items else None
    outcome = check_taxes(rows, exempt_code, items, saved, lists, problems, find_items)
    if not outcome.ok:
        db.session.rollback()
        return taxes_tab(
            config, values=outcome.values, errors=outcome.errors, lists=lists, failed=True
        ), FAILED
    TAXES.apply(options, config, outcome.values)
    db.session.commit()
    fields = audit.diff_fields(saved, outcome.values)
    audit.record("settings_changed", f"{config.name}: {TAXES.label} options", fields=fields)
    return saved_response(config, TAXES, taxes_tab)


def catalog_finder(problems: dict[str, str]):
    """Return a function that looks items up in Manage, or None (problem noted) if it cannot."""
    try:
        client = connections.manage_client()
    except NotConnected as exc:
        problems.setdefault(MANAGE_TAX_CODES, str(exc))
        return None

    def find(ids: list[str]) -> list[dict]:
        try:
            return find_catalog_items(client, ids)
        except ManageError as exc:
            problems.setdefault(
                MANAGE_TAX_CODES, f"ConnectWise Manage could not be reached just now ({exc})."
            )
            return None

    return find


@bp.route("/quickbooks/<int:config_id>/taxes/mapping-row")
@admin_required
def qbo_tax_mapping_row(config_id: int):
    """Return one blank mapping row, appended to the table by HTMX."""
    config = get_config(config_id)
    lists, _ = live_lists(config).peek(TAXES.sources)
    return render_template(
        "settings/qbo_tabs/_tax_mapping_row.html",
        config=config,
        fields=TAXES.by_name,
        lists=lists,
        row=(None, None),
        index=None,
        errors={},
    )


@bp.route("/quickbooks/<int:config_id>/taxes/items")
@admin_required
def qbo_exempt_item_search(config_id: int):
    """Type-ahead over the Manage catalog: the items whose identifier or description match."""
    config = get_config(config_id)
    text = request.args.get("q", "").strip()
    items, problem = [], None
    if len(text) >= 2:
        try:
            items = search_catalog(connections.manage_client(), text)
        except NotConnected as exc:
            problem = str(exc)
        except ManageError as exc:
            problem = f"ConnectWise Manage could not be searched just now ({exc})."
    return render_template(
        "settings/qbo_tabs/_exempt_item_results.html",
        config=config,
        text=text,
        items=items,
        problem=problem,
    )


@bp.route("/quickbooks/<int:config_id>/taxes/items/<int:item_id>")
@admin_required
def qbo_exempt_item_chip(config_id: int, item_id: int):
    """Return the chip of an item picked from the search results (checked again on save)."""
    config = get_config(config_id)
    label = request.args.get("label", "").strip()[:255]
    if not label:
        abort(400, description="Pick the item from the search results.")
    return render_template(
        "settings/qbo_tabs/_exempt_item.html",
        config=config,
        item=(str(item_id), label),
        removed_url=url_for("settings.qbo_option_removed", config_id=config.id),
    )
