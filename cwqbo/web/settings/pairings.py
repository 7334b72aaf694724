"""The Pairings tab of a configuration (issue 13): which QBO record each Manage party is.

Search the pairings, re-pair one to another existing QBO customer / vendor (type-ahead over
QBO with HTMX) or unpair it. Every change is audited; the next batch uses it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from cwqbo import audit, connections
from cwqbo.connections import NotConnected
from cwqbo.extensions import db, htmx
from cwqbo.models import Pairing, QBOConfiguration
from cwqbo.quickbooks.errors import QBOError, QBOValidationError
from cwqbo.quickbooks.query import escape
from cwqbo.transfer.pairing import KIND_LABEL
from cwqbo.web.guards import admin_required
from cwqbo.web.settings import bp
from cwqbo.web.settings.quickbooks import get_config
from cwqbo.web.settings.tabs import TABS, ordered_tabs, tab

PAGE = 50
SEARCH_MAX = 20
HOW = {
    "batch": "set by a batch",
    "admin": "set by an admin",
}


def _rows(config: QBOConfiguration, text: str, page: int) -> tuple[list[Pairing], int]:
    query = db.select(Pairing).where(Pairing.config_id == config.id)
    if text:
        like = f"%{text.lower()}%"
        query = query.where(
            db.or_(
                db.func.lower(Pairing.manage_name).like(like),
                db.func.lower(Pairing.qbo_name).like(like),
                Pairing.manage_id == text,
                Pairing.qbo_id == text,
            )
        )
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Pairing.manage_kind, db.func.lower(Pairing.manage_name), Pairing.id)
        .offset((page - 1) * PAGE)
        .limit(PAGE)
    ).all()
    return list(rows), total or 0


@tab("pairings", "Pairings", order=90)
def pairings_tab(config: QBOConfiguration, *, notice: str = "", problem: str = "") -> str:
    text = (request.args.get("q") or request.form.get("q") or "").strip()[:100]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    rows, total = _rows(config, text, page)
    return render_template(
        "settings/qbo_tabs/_pairings.html",
        config=config,
        rows=rows,
        total=total,
        text=text,
        page=page,
        pages=max(1, -(-total // PAGE)),
        kinds=KIND_LABEL,
        how=HOW,
        notice=notice,
        problem=problem,
    )


def _pairing(config: QBOConfiguration, pairing_id: int) -> Pairing:
    row = db.session.get(Pairing, pairing_id)
    if row is None or row.config_id != config.id:
        abort(404, description="That pairing does not exist (it may have been removed).")
    return row


@bp.route("/quickbooks/<int:config_id>/pairings/<int:pairing_id>/search")
@admin_required
def pairing_search(config_id: int, pairing_id: int):
    """Return the QBO records of the pairing's kind whose name contains the typed text."""
    config = get_config(config_id)
    row = _pairing(config, pairing_id)
    text = (request.args.get("q") or "").strip()[:100]
    records, problem = [], ""
    if len(text) >= 2:
        sql = (
            f"SELECT * FROM {row.qbo_entity} WHERE DisplayName LIKE '%{escape(text)}%' "
            f"MAXRESULTS {SEARCH_MAX}"
        )
        try:
            records = list(connections.qbo_client(config).query_all(sql))[:SEARCH_MAX]
        except NotConnected as exc:
            problem = str(exc)
        except QBOError as exc:
            problem = f"QuickBooks Online could not be searched just now ({exc}). Try again."
    return render_template(
        "settings/qbo_tabs/_pairing_results.html",
        config=config,
        row=row,
        text=text,
        records=[r for r in records if r.get("Active") is not False],
        problem=problem,
    )


def _answer(config: QBOConfiguration, *, notice: str = "", problem: str = "", status: int = 200):
    """Re-render the Pairings tab (HTMX) or go back to it with a flash message."""
    if htmx:
        fragment = pairings_tab(config, notice=notice, problem=problem)
        context = {"config": config, "tabs": ordered_tabs(), "current": TABS["pairings"]}
        return render_template("settings/_qbo_panel.html", fragment=fragment, **context), status
    flash(notice or problem, "success" if notice else "error")
    return redirect(url_for("settings.qbo_tab", config_id=config.id, tab="pairings"))


def _described(row: Pairing) -> str:
    return f'Manage {KIND_LABEL.get(row.manage_kind, row.manage_kind)} "{row.manage_name}"'


@bp.route("/quickbooks/<int:config_id>/pairings/<int:pairing_id>/repair", methods=["POST"])
@admin_required
def pairing_repair(config_id: int, pairing_id: int):
    """Pair the Manage party with another existing QBO record (read from QBO first)."""
    config = get_config(config_id)
    row = _pairing(config, pairing_id)
    qbo_id = (request.form.get("qbo_id") or "").strip()
    if not qbo_id.isdigit():
        problem = "Choose a QuickBooks Online record from the search results."
        return _answer(config, problem=problem, status=422)
    noun = row.qbo_entity.lower()
    try:
        record = connections.qbo_client(config).read(row.qbo_entity, qbo_id)
    except NotConnected as exc:
        return _answer(config, problem=str(exc), status=422)
    except QBOValidationError:  # 610 object not found / deleted
        return _answer(
            config,
            problem=f"QuickBooks Online has no {noun} with id {qbo_id}: search again and choose "
            "one of the results.",
            status=422,
        )
    except QBOError as exc:
        return _answer(config, problem=f"QuickBooks Online could not be read ({exc}).", status=422)
    if record.get("Active") is False:
        return _answer(
            config,
            problem=f'QBO {noun} "{record.get("DisplayName")}" is inactive: make it active in '
            "QuickBooks Online first, or choose another.",
            status=422,
        )
    other = db.session.scalar(
        db.select(Pairing).where(
            Pairing.config_id == config.id,
            Pairing.qbo_entity == row.qbo_entity,
            Pairing.qbo_id == qbo_id,
            Pairing.id != row.id,
        )
    )
    if other is not None:
        return _answer(
            config,
            problem=f'QBO {noun} "{record.get("DisplayName")}" is already paired with '
            f"{_described(other)}; unpair that first if both are really the same.",
            status=422,
        )
    before = f"{row.qbo_name} (id {row.qbo_id})"
    row.qbo_id, row.qbo_name, row.how = qbo_id, str(record.get("DisplayName") or ""), "admin"
    db.session.commit()
    audit.record(
        "pairing_changed",
        f"{config.name}: {_described(row)}",
        fields=("qbo_id",),
        detail=f"from QBO {noun} {before} to {row.qbo_name} (id {row.qbo_id})",
    )
    return _answer(
        config,
        notice=f'{_described(row)} is now paired with QBO {noun} "{row.qbo_name}"; its next '
        "documents land there.",
    )


@bp.route("/quickbooks/<int:config_id>/pairings/<int:pairing_id>/unpair", methods=["POST"])
@admin_required
def pairing_unpair(config_id: int, pairing_id: int):
    """Forget a pairing: the next batch matches the party by name again."""
    config = get_config(config_id)
    row = _pairing(config, pairing_id)
    described, was = _described(row), f"{row.qbo_name} (id {row.qbo_id})"
    db.session.delete(row)
    db.session.commit()
    audit.record(
        "pairing_removed",
        f"{config.name}: {described}",
        fields=("qbo_id",),
        detail=f"was paired with QBO {row.qbo_entity.lower()} {was}",
    )
    return _answer(
        config,
        notice=f"{described} is no longer paired; its next batch finds its QBO "
        f"{row.qbo_entity.lower()} by name again (or creates one).",
    )
