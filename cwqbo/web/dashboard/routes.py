"""Dashboard, /healthz and System views."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from cwqbo import modules as custom_modules
from cwqbo.extensions import db
from cwqbo.jobs.enqueue import launch_task
from cwqbo.models import (
    Batch,
    BatchLog,
    BatchTransaction,
    ManageConnection,
    QBOConfiguration,
    TaskRun,
)
from cwqbo.models.user import utcnow
from cwqbo.web.dashboard import bp, health, overview
from cwqbo.web.guards import admin_required
from cwqbo.web.hints import ask_an_admin, to_do
from cwqbo.wording import plural


def manage_state() -> dict:
    """Return the Manage connection's state and next step."""
    connection = ManageConnection.current()
    url = url_for("settings.connectwise") if current_user.is_admin else None
    if connection is None:
        return {
            "name": "ConnectWise",
            "state": "Not configured",
            "tone": "warn",
            "next_step": to_do(
                "connect cwqbo to ConnectWise Manage with an API member's keys "
                "(Set Up ConnectWise)."
            ),
            "url": url,
        }
    if not connection.is_connected:
        return {
            "name": "ConnectWise",
            "state": "Not working",
            "tone": "bad",
            "next_step": (connection.problems or ["The last check failed."])[0]
            + " "
            + to_do("fix it under Set Up ConnectWise."),
            "url": url,
        }
    return {
        "name": "ConnectWise",
        "state": f"Connected to {connection.company_name or connection.company_id}",
        "tone": "ok",
        "next_step": "Connect a QuickBooks Online company.",
        "url": None,
    }


def qbo_state(config: QBOConfiguration) -> dict:
    """Return one QBO configuration's state, token expiry and next step."""
    url = (
        url_for("settings.qbo_tab", config_id=config.id, tab="connection")
        if current_user.is_admin
        else None
    )
    # A default configuration named "Default" is not called "Default (default)".
    marked = config.is_default and config.name.strip().lower() != "default"
    name = f"QuickBooks Online: {config.name}" + (" (default)" if marked else "")
    if config.is_lost:
        return {
            "name": name,
            "state": "Connection lost",
            "tone": "bad",
            "url": url,
            "next_step": config.lost_message
            if current_user.is_admin
            else f"The {config.name} connection to QuickBooks Online has been lost. Ask "
            f"{ask_an_admin()} to reconnect it.",
        }
    if not config.is_connected:
        return {
            "name": name,
            "state": "Not connected",
            "tone": "warn",
            "url": url,
            "next_step": to_do(
                "connect it to its QuickBooks Online company (Connect to QuickBooks)."
            ),
        }
    deadline = config.token_deadline()
    days = (deadline - utcnow()).days if deadline else None
    expiry = f"; connection renews until {deadline:%Y-%m-%d}" if deadline else ""
    state = {
        "name": name,
        "state": f"Connected to {config.company_name}",
        "tone": "ok",
        "url": None,
        "next_step": "Ready for batches" + expiry + ".",
    }
    if days is not None and days < 30:
        state.update(
            tone="warn",
            url=url,
            next_step=(
                f"The connection ends in {plural(days, 'day')}. "
                + to_do("reconnect it before then.")
            ),
        )
    return state


def configuration_states() -> list[dict]:
    """Return each connection's state and the next step to take (spec B4)."""
    states = [manage_state()] + [qbo_state(c) for c in QBOConfiguration.ordered()]
    if states[0]["tone"] == "ok" and any(s["tone"] == "ok" for s in states[1:]):
        states[0]["next_step"] = "Nothing to do: cwqbo reads ConnectWise with this connection."
    return states


def needs_review(limit: int = overview.ATTENTION) -> list[dict]:
    """Sent and batched, but QBO's total is not Manage's (issue 13 §3): the latest."""
    rows = db.session.execute(
        db.select(BatchTransaction, Batch.identifier)
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(BatchTransaction.review != "", BatchTransaction.state == BatchTransaction.BATCHED)
        .order_by(BatchTransaction.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "label": f"{overview._noun(tx.kind)} {tx.number or tx.manage_id}",
            "batch": identifier,
            "message": tx.review,
            "url": url_for("batches.status", identifier=identifier, _anchor=f"tx-{tx.id}"),
        }
        for tx, identifier in rows
    ]


@bp.route("/")
@login_required
def index():
    configurations = configuration_states()
    failed, failures = overview.failed_transactions()
    recent = overview.recent_batches()
    return render_template(
        "dashboard/index.html",
        configurations=configurations,
        recent=recent,
        counts=overview.period_counts(),
        failed=failed,
        failures=failures,
        reviews=needs_review(),
        connections=[c for c in configurations if c["tone"] != "ok"],
        next_step=overview.next_step(
            configurations, failed, bool(recent), overview.running_batch()
        ),
    )


@bp.route("/healthz")
def healthz():
    database, redis_ = health.database_state(), health.redis_state()
    body = {
        "database": database,
        "redis": redis_,
        "worker": health.workers_state() if redis_["ok"] else {"ok": False, "count": 0},
        "scheduler": health.scheduler_state() if redis_["ok"] else {"ok": False},
    }
    body["ok"] = database["ok"] and redis_["ok"]
    for part in ("worker", "scheduler"):
        body[part].pop("workers", None)
    return jsonify(body), 200 if body["ok"] else 503


@bp.route("/system")
@admin_required
def system():
    redis_ok = health.redis_state()["ok"]
    runs = db.session.scalars(db.select(TaskRun).order_by(TaskRun.id.desc()).limit(20)).all()
    scheduler = health.scheduler_state() if redis_ok else {"ok": False}
    if scheduler.get("last_heartbeat"):
        scheduler["when"] = datetime.fromtimestamp(scheduler["last_heartbeat"], UTC)
    return render_template(
        "dashboard/system.html",
        redis_ok=redis_ok,
        database=health.database_state(),
        queues=health.queues_state() if redis_ok else [],
        workers=health.workers_state() if redis_ok else {"ok": False, "workers": []},
        scheduler=scheduler,
        runs=runs,
        form=FlaskForm(),
        modules=custom_modules.installed(),
        module_failures=module_failures(),
    )


def module_failures(limit: int = 10) -> list:
    """Return (log line, batch identifier) of the latest lines where a module's hook raised."""
    query = (
        db.select(BatchLog, Batch.identifier)
        .join(Batch, Batch.id == BatchLog.batch_id)
        .where(BatchLog.message.like("%Custom module '%' failed in %"))
        .order_by(BatchLog.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query))


@bp.route("/system/housekeeping", methods=["POST"])
@admin_required
def run_housekeeping():
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("dashboard.system"))
    launch_task(
        "Purge expired invitations and old mail",
        "cwqbo.jobs.tasks.purge_expired",
        user_id=current_user.id,
    )
    flash("Housekeeping queued; a worker will pick it up.", "success")
    return redirect(url_for("dashboard.system"))
