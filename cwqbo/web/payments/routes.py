"""Run Payment Sync (spec E2) and each configuration's daily time (E1)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from redis.exceptions import RedisError

from cwqbo.audit import record as audit
from cwqbo.batches.payment_run import AlreadyRunning, start_payment_sync
from cwqbo.batches.payment_schedule import BadTimeOfDay, parse_time_of_day, schedules
from cwqbo.batches.report import BATCH_STATUS_LABELS
from cwqbo.batches.service import SelectionError
from cwqbo.extensions import db
from cwqbo.models import QBOConfiguration
from cwqbo.models.payment import PaymentSyncSetting
from cwqbo.pglimits import parse_id
from cwqbo.web.guards import admin_required
from cwqbo.web.payments import bp


def _dialog(problem: str | None = None, chosen: int | None = None, status: int = 200):
    configs = QBOConfiguration.ordered()
    connected = [c for c in configs if c.is_connected]
    default = chosen or next((c.id for c in connected if c.is_default), None)
    return render_template(
        "payments/run.html",
        configs=configs,
        connected=connected,
        chosen=default or (connected[0].id if connected else None),
        problem=problem,
    ), status


@bp.get("/run")
@login_required
def run():
    """The Run Payment Sync dialog: pick the QuickBooks Online configuration, then OK."""
    return _dialog()


@bp.post("/run")
@login_required
def start():
    config_id = parse_id(request.form.get("config_id"))
    config = db.session.get(QBOConfiguration, config_id) if config_id else None
    if config is None:
        return _dialog(
            "Choose the QuickBooks Online configuration to sync payments from.", None, 400
        )
    try:
        batch = start_payment_sync(config, current_user.id)
    except AlreadyRunning as exc:
        flash(f"{exc} This page shows it.", "info")
        return redirect(url_for("batches.status", identifier=exc.run.identifier))
    except SelectionError as exc:
        return _dialog(str(exc), config.id, 400)
    audit("batch_run", target=f"payment sync {batch.identifier}", detail=config.name)
    return redirect(url_for("batches.status", identifier=batch.identifier))


@bp.get("/")
@login_required
def index():
    """Each configuration's payment sync: time of day, next scheduled run, last run."""
    return render_template(
        "payments/index.html",
        schedules=schedules(),
        problem=None,
        status_labels=BATCH_STATUS_LABELS,
    )


@bp.post("/<int:config_id>/time")
@admin_required
def set_time(config_id: int):
    config = db.session.get(QBOConfiguration, config_id)
    if config is None:
        flash("That QuickBooks Online configuration no longer exists.", "error")
        return redirect(url_for("payments.index"))
    try:
        hhmm = parse_time_of_day(request.form.get("time_of_day", ""))
    except BadTimeOfDay as exc:
        return render_template(
            "payments/index.html",
            schedules=schedules(),
            problem=(config.id, str(exc)),
            status_labels=BATCH_STATUS_LABELS,
        ), 400
    setting = PaymentSyncSetting.of(config.id)
    setting.time_of_day = hhmm
    db.session.commit()
    audit("settings_changed", target=f"configuration {config.name}", fields=["payment sync time"])
    from cwqbo.jobs.schedule import reschedule_payment_sync

    try:
        reschedule_payment_sync()
    except RedisError:
        flash(
            "Saved, but the scheduler could not be updated now (Redis did not answer); it "
            "picks the new time up when it next starts.",
            "error",
        )
    flash(f"{config.name}: payment sync runs daily at {hhmm} UTC.", "success")
    return redirect(url_for("payments.index"))
