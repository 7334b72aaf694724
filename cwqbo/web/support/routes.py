"""/support: the form, its batch list per configuration (HTMX), and the admins' list."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from cwqbo.extensions import db, htmx
from cwqbo.models import Batch, QBOConfiguration, SupportRequest
from cwqbo.pglimits import parse_id
from cwqbo.web.guards import admin_required
from cwqbo.web.support import bp
from cwqbo.web.support.forms import SupportForm
from cwqbo.web.support.sending import recipients, send_request

BATCH_CHOICES = 200  # the newest batches of a configuration offered in the Batch ID list
PER_PAGE = 25
STATUS_LABELS = {
    SupportRequest.SENT: ("Sent", "ok"),
    SupportRequest.OUTBOX: ("In the outbox (no mail server)", "warn"),
    SupportRequest.FAILED: ("Not sent", "bad"),
}


def _config_id(value) -> int | None:
    return parse_id(str(value or "").strip())


def batches_of(config_id: int | None) -> list[Batch]:
    if config_id is None:
        return []
    return db.session.scalars(
        db.select(Batch)
        .where(Batch.config_id == config_id, Batch.identifier.is_not(None))
        .order_by(Batch.created_at.desc(), Batch.id.desc())
        .limit(BATCH_CHOICES)
    ).all()


def _fill_choices(form: SupportForm, configs: list[QBOConfiguration]) -> None:
    form.config_id.choices = [("", "Pick a configuration")] + [(str(c.id), c.name) for c in configs]
    batches = batches_of(_config_id(form.config_id.data))
    form.batch_id.choices = [("", "Pick a batch" if batches else "No batches yet")] + [
        (b.identifier, f"{b.identifier} · {b.kind_label} · {b.created_at:%Y-%m-%d %H:%M}")
        for b in batches
    ]


def _chosen_batch(form: SupportForm) -> tuple[Batch | None, QBOConfiguration | None, bool]:
    """Return (batch, configuration, ok), adding errors to the form's fields."""
    if not form.send_log.data:
        return None, None, True
    config = db.session.get(QBOConfiguration, _config_id(form.config_id.data) or 0)
    if config is None:
        form.config_id.errors.append(
            "Pick the QuickBooks Online configuration the batch was made against."
        )
        return None, None, False
    wanted = (form.batch_id.data or "").strip().upper()
    if not wanted:
        form.batch_id.errors.append(
            "Pick the Batch ID whose log to send, or untick “Send batch log?”."
        )
        return None, config, False
    batch = db.session.scalar(db.select(Batch).where(db.func.upper(Batch.identifier) == wanted))
    if batch is None or batch.config_id != config.id:
        form.batch_id.errors.append(f"{config.name} has no batch {wanted}: pick one from the list.")
        return None, config, False
    return batch, config, True


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    configs = QBOConfiguration.ordered()
    form = SupportForm()
    if request.method == "GET" and not form.config_id.data:
        default = QBOConfiguration.default()
        form.config_id.data = str(default.id) if default else ""
    _fill_choices(form, configs)
    if request.method == "POST":
        valid = form.validate_on_submit()
        batch, config, chosen = _chosen_batch(form)
        if valid and chosen:
            sent = send_request(
                current_user, form.subject.data.strip(), form.message.data.strip(), batch, config
            )
            if sent.status == SupportRequest.FAILED:
                flash(f"Your request is saved but could not be sent: {sent.error}", "error")
            else:
                attached = f" with the log of batch {batch.identifier}" if batch else ""
                flash(f"Your support request was sent{attached}.", "success")
            return redirect(url_for("support.index"))
    mine = db.session.scalars(
        db.select(SupportRequest)
        .where(SupportRequest.user_id == current_user.id)
        .order_by(SupportRequest.created_at.desc())
        .limit(5)
    ).all()
    status = 400 if form.errors or form.config_id.errors or form.batch_id.errors else 200
    return render_template(
        "support/index.html",
        form=form,
        mine=mine,
        statuses=STATUS_LABELS,
        to=recipients(),
    ), (status if request.method == "POST" else 200)


@bp.get("/batches")
@login_required
def batch_field():
    """The Batch ID field for the chosen configuration (the form swaps it in by HTMX)."""
    form = SupportForm(formdata=None, config_id=request.args.get("config_id", ""))
    _fill_choices(form, QBOConfiguration.ordered())
    if not htmx:
        return redirect(url_for("support.index"))
    return render_template("support/_batch_field.html", form=form)


@bp.get("/requests")
@admin_required
def requests():
    page = request.args.get("page", "1")
    pagination = db.paginate(
        db.select(SupportRequest).order_by(
            SupportRequest.created_at.desc(), SupportRequest.id.desc()
        ),
        page=parse_id(page) or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "support/requests.html", pagination=pagination, statuses=STATUS_LABELS, to=recipients()
    )
