"""Select, preview and submit a batch; mark transactions as already exported (D2, J2, D10).

The page is one form. Its fragments (company options, the rows area, one more page of
rows, the selection summary, the preview) are each a template of their own: the page
includes them and HTMX requests get them alone (STYLE habit 7).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from cwqbo import audit
from cwqbo.batches import service
from cwqbo.batches.service import SelectionError
from cwqbo.extensions import htmx
from cwqbo.models import Batch
from cwqbo.web.batches import KindPage, bp, kind_page
from cwqbo.web.batches.picker import DETAILS, PAGE_SIZE, Picker, build, manage_ready
from cwqbo.wording import plural

MODES = (Batch.TRANSFER, Batch.MARK_EXPORTED)


def _mode(values: MultiDict) -> str:
    mode = values.get("mode")
    return mode if mode in MODES else Batch.TRANSFER


def field_of(obj: object, *names: str) -> object:
    """Return the first non-empty field of a dict or object (preview rows come as either)."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return ""


def money(value: object) -> str:
    """Render an amount with two decimals and thousands separators ('' stays '')."""
    try:
        return f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return str(value or "")


def _context(picker: Picker, **extra) -> dict:
    return {
        "p": picker,
        "field_of": field_of,
        "money": money,
        "details": DETAILS,
        "page_size": PAGE_SIZE,
        "manage_ready": manage_ready(),
        **extra,
    }


def _page(picker: Picker, status: int | None = None, **extra):
    if status is None:
        status = 502 if picker.listing.error and manage_ready() else 200
    return render_template("batches/select.html", **_context(picker, **extra)), status


def _go(url: str):
    """Redirect, the HTMX way when HTMX asked (a full page load of the target)."""
    if htmx:
        from flask_htmx import make_response as htmx_response

        return htmx_response(redirect=url)
    return redirect(url)


@bp.route("/new/<kind>", methods=["GET", "POST"])
@login_required
def select(kind: str):
    page = kind_page(kind)
    if request.method == "POST":
        return _submit(page, Batch.TRANSFER, request.form)
    return _page(build(page, Batch.TRANSFER, request.args, first_page=True))


@bp.route("/mark-exported/<kind>", methods=["GET", "POST"])
@login_required
def mark_exported(kind: str):
    page = kind_page(kind)
    if request.method == "GET":
        return _page(build(page, Batch.MARK_EXPORTED, request.args, first_page=True))
    step = request.form.get("step")
    if step == "confirm":
        return _submit(page, Batch.MARK_EXPORTED, request.form)
    picker = build(page, Batch.MARK_EXPORTED, request.form)
    if step == "back":
        return _page(picker)
    ids, problem = _checked(picker)
    if problem:
        picker.problem = problem
        return _page(picker, 422)
    rows = [r for r in picker.listing.rows if r.manage_id in set(ids)]
    return render_template("batches/mark_confirm.html", **_context(picker, ids=ids, rows=rows))


@bp.get("/new/<kind>/options")
@login_required
def options(kind: str):
    """The company picker changed: that company's default location and invoice detail."""
    picker = build(
        kind_page(kind), _mode(request.args), request.args, company_changed=True, with_rows=False
    )
    return render_template("batches/_selection_options.html", **_context(picker))


@bp.post("/new/<kind>/rows")
@login_required
def rows(kind: str):
    """The rows area for the filter: after a location change, Refresh, select/deselect all."""
    picker = build(kind_page(kind), _mode(request.form), request.form)
    status = 502 if picker.listing.error and manage_ready() else 200
    return render_template("batches/_selection_rows.html", **_context(picker)), status


@bp.post("/new/<kind>/more")
@login_required
def more(kind: str):
    """One more page of rows, appended below the ones already shown."""
    number = request.args.get("page", "2")
    number = max(int(number), 2) if number.isdigit() else 2
    picker = build(kind_page(kind), _mode(request.form), request.form)
    return render_template("batches/_selection_page.html", **_context(picker, page=number))


@bp.post("/new/<kind>/summary")
@login_required
def summary(kind: str):
    """How many rows the selection holds, after a box was ticked or unticked."""
    picker = build(kind_page(kind), _mode(request.form), request.form)
    return render_template("batches/_selection_summary.html", **_context(picker))


@bp.post("/new/<kind>/preview")
@login_required
def preview(kind: str):
    """The dry run (J2): what the selection would create in QuickBooks; nothing is written."""
    page = kind_page(kind)
    picker = build(page, Batch.TRANSFER, request.form)
    ids, problem = _checked(picker)
    result = None
    if not problem:
        try:
            result = service.preview(
                page.kind, picker.config, ids, invoice_detail=picker.invoice_detail
            )
        except SelectionError as exc:
            problem = str(exc)
    status = 422 if problem else 200
    if htmx:
        fragment = render_template(
            "batches/_preview.html", **_context(picker, preview=result, preview_problem=problem)
        )
        return fragment, status
    return _page(picker, status, preview=result, preview_problem=problem)


def _checked(picker: Picker) -> tuple[list[str], str | None]:
    """Resolve the selection to ids, or say why it cannot be used."""
    noun = picker.kind.noun
    if picker.listing.error:
        return [], picker.listing.error
    if not picker.mark_only and picker.config is None:
        return [], "Choose a QuickBooks Online company that is connected."
    claims = picker.listing.claims
    held = sorted((i, claims[i]) for i in picker.selection.explicit() if i in claims)
    if held:
        numbers = {r.manage_id: r.number for r in picker.listing.rows}
        listed = ", ".join(f"{noun} {numbers.get(i, i)} (batch {b})" for i, b in held[:5])
        more = f" and {len(held) - 5} more" if len(held) > 5 else ""
        return [], (
            f"Already in a batch that has not finished: {listed}{more}. "
            "Untick them, or wait for that batch to end."
        )
    listed = {r.manage_id: r for r in picker.listing.rows}
    picked = picker.selection.explicit()
    unreadable = [listed[i] for i in listed if i in picked and not listed[i].readable]
    if unreadable:  # the page offers no box for them; a hand-made form might
        more = f" ({len(unreadable) - 1} more cannot be used either.)" if unreadable[1:] else ""
        return [], unreadable[0].refusal(noun) + more
    ids = picker.chosen()
    if not ids:
        return [], f"Select at least one {noun}."
    return ids, None


def _submit(page: KindPage, mode: str, values: MultiDict):
    picker = build(page, mode, values)
    ids, problem = _checked(picker)
    if not problem:
        try:
            batch = service.create_batch(
                page.kind,
                picker.config,
                ids,
                invoice_detail=picker.invoice_detail,
                location_id=picker.location_id,
                location_name=picker.location_name,
                user_id=current_user.id,
                mode=mode,
            )
        except SelectionError as exc:
            problem = str(exc)
    if problem:
        picker.problem = problem
        return _page(picker, 422)
    verb = "to mark as already exported" if mode == Batch.MARK_EXPORTED else "to transfer"
    marked = "transactions_marked" if mode == Batch.MARK_EXPORTED else "batch_run"
    audit.record(marked, batch.identifier, detail=f"{plural(len(ids), page.noun)} {verb}")
    flash(f"Batch {batch.identifier} submitted: {plural(len(ids), page.noun)} {verb}.", "success")
    return _go(url_for("batches.status", identifier=batch.identifier))
