"""Thin job entry points: load the row by id, run the work, record how it ended."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from redis.exceptions import LockError
from rq import get_current_job

from cwqbo import housekeeping
from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, get_redis
from cwqbo.models import TaskRun
from cwqbo.models.user import utcnow
from cwqbo.wording import plural

log = logging.getLogger(__name__)


def _run(run_id: int, work: Callable[[], dict], describe: Callable[[dict], str]) -> dict | None:
    run = db.session.get(TaskRun, run_id)
    if run is None:
        log.warning("task run %s no longer exists; nothing to do", run_id)
        return None
    if run.finished:
        log.info("task run %s already %s; not running it again", run_id, run.status)
        return run.result
    run.status, run.started_at = TaskRun.RUNNING, utcnow()
    db.session.commit()
    try:
        result = work()
    except Exception as exc:
        db.session.rollback()
        run = db.session.get(TaskRun, run_id)
        run.status, run.ended_at = TaskRun.FAILED, utcnow()
        run.message = f"{type(exc).__name__}: {exc}"
        db.session.commit()
        raise
    run.status, run.ended_at, run.result = TaskRun.COMPLETED, utcnow(), result
    run.message = describe(result)
    db.session.commit()
    return result


def purge_expired(run_id: int) -> dict | None:
    """Purge expired invitations and old outbox files for TaskRun run_id."""
    return _run(
        run_id,
        housekeeping.purge,
        lambda r: (
            f"Removed {plural(r['invitations'], 'expired invitation')} "
            f"and {plural(r['outbox_files'], 'old outbox file')}."
        ),
    )


def refresh_qbo_tokens(run_id: int) -> dict | None:
    """Refresh the tokens that expire within the hour and keep idle ones alive (spec C4)."""
    from cwqbo.connections import keepalive

    return _run(run_id, keepalive.refresh_due, keepalive.describe)


def check_connection_health(run_id: int) -> dict | None:
    """Check every connection and e-mail admins about those about to die (spec J6)."""
    from cwqbo.connections import health

    return _run(run_id, health.check_all, health.describe)


PERIODIC: dict[str, tuple[str, Callable[[int], dict | None]]] = {
    "purge": ("Purge expired invitations and old mail", purge_expired),
    "qbo-tokens": ("Refresh QuickBooks Online tokens", refresh_qbo_tokens),
    "connection-health": ("Check connection health", check_connection_health),
}
# Frequent periodic work that leaves no TaskRun row: it logs what it did where it did it.
QUIET: dict[str, Callable[[], object]] = {}


def sweep_batches() -> list[str]:
    """Resume batches whose worker died or whose job vanished (each gets a log line)."""
    from cwqbo.batches.recovery import sweep

    resumed = sweep(current_app.config["BATCH_STALE_AFTER"])
    if resumed:
        log.warning("sweeper resumed batch(es) %s", ", ".join(resumed))
    return resumed


QUIET["sweep-batches"] = sweep_batches


def sync_payments(run_id: int, config_id: int) -> dict | None:
    """Start the daily payment sync of one configuration; a run still going skips it."""
    from cwqbo.batches.payment_run import scheduled_payment_sync

    return _run(run_id, lambda: scheduled_payment_sync(config_id), lambda r: r["message"])


def autosync(run_id: int, config_id: int) -> dict | None:
    """Run AutoSync of one configuration (spec J1); a run still going skips this one."""
    from cwqbo.batches.autosync import run_autosync

    return _run(run_id, lambda: run_autosync(config_id), lambda r: r["message"])


def run_periodic(name: str) -> int | list | None:
    """Run one periodic definition now, unless another run of it holds the lock."""
    from cwqbo.jobs.schedule import AUTOSYNC, PAYMENT_SYNC

    if name.startswith(AUTOSYNC):  # one entry per configuration with AutoSync on
        config_id = int(name[len(AUTOSYNC) :])
        run = TaskRun(name=f"AutoSync of configuration {config_id}")
        db.session.add(run)
        db.session.commit()
        autosync(run.id, config_id)
        return run.id
    if name.startswith(PAYMENT_SYNC):  # one entry per configuration (schedule.py)
        run = TaskRun(name=f"Payment sync of configuration {name[len(PAYMENT_SYNC) :]}")
        db.session.add(run)
        db.session.commit()
        sync_payments(run.id, int(name[len(PAYMENT_SYNC) :]))
        return run.id
    if name in QUIET:
        ttl = max(int(current_app.config["BATCH_SWEEP_INTERVAL"]), 5)
        lock = get_redis().lock(f"{KEY_PREFIX}lock:periodic:{name}", timeout=ttl, blocking=False)
        if not lock.acquire():
            log.info("periodic %s is already running elsewhere; skipped", name)
            return None
        try:
            return QUIET[name]()
        finally:
            _release(lock)
    title, work = PERIODIC[name]
    lock = get_redis().lock(f"{KEY_PREFIX}lock:periodic:{name}", timeout=3600, blocking=False)
    if not lock.acquire():
        log.info("periodic %s is already running elsewhere; skipped", name)
        return None
    try:
        run = TaskRun(name=title)
        db.session.add(run)
        db.session.commit()
        work(run.id)
        return run.id
    finally:
        lock.release()


def _release(lock) -> None:
    try:
        lock.release()
    except LockError:
        log.warning("lock %s had expired", lock.name)


def run_batch(batch_id: int) -> dict:
    """Run or resume batch ``batch_id`` (spec D4/D5); progress lives in its rows.

    The job's outcome (ran, continued, skipped, not-needed, lost-lock) is recorded in its
    meta and result, so a skipped job never reads as a plain success.
    """
    from cwqbo.batches.execution import execute

    result = execute(batch_id)
    job = get_current_job()
    if job is not None:
        job.meta["outcome"] = result["outcome"]
        job.save_meta()
    return result
