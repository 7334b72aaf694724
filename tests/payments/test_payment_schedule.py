"""The daily payment sync in the schedule: one entry per connected configuration, stable ids,
registered idempotently; an overlapping run is skipped and recorded as skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from cwqbo.batches.payment_schedule import cron_line, next_run
from cwqbo.extensions import db
from cwqbo.jobs import redis_for
from cwqbo.jobs.schedule import ID_PREFIX, SCHEDULE, make_scheduler, register_schedule
from cwqbo.jobs.tasks import run_periodic
from cwqbo.models import Batch, PaymentSyncSetting, QBOConfiguration, TaskRun


def entries(app) -> dict[str, object]:
    return {job.id: job for job in make_scheduler(redis_for(app)).get_jobs()}


def test_one_daily_entry_per_connected_configuration(connected, app, redis_conn):
    with app.app_context():
        register_schedule(make_scheduler(redis_for(app)))
        register_schedule(make_scheduler(redis_for(app)))  # a restart: no duplicate
    jobs = entries(app)
    fixed = {ID_PREFIX + p.id for p in SCHEDULE}
    assert set(jobs) == fixed | {ID_PREFIX + "payment-sync-1"}
    assert jobs[ID_PREFIX + "payment-sync-1"].meta["cron_string"] == "0 2 * * *"
    # A second connected configuration adds its entry; a new time replaces the old entry.
    with app.app_context():
        other = QBOConfiguration(name="Second company", status=QBOConfiguration.CONNECTED)
        db.session.add(other)
        db.session.flush()
        PaymentSyncSetting.of(1).time_of_day = "23:45"
        db.session.commit()
        other_id = other.id
        register_schedule(make_scheduler(redis_for(app)))
    jobs = entries(app)
    assert set(jobs) == fixed | {
        ID_PREFIX + "payment-sync-1",
        f"{ID_PREFIX}payment-sync-{other_id}",
    }
    assert jobs[ID_PREFIX + "payment-sync-1"].meta["cron_string"] == "45 23 * * *"


def test_an_overlapping_scheduled_run_is_skipped_and_recorded(connected, app, redis_conn):
    with app.app_context():
        first = run_periodic("payment-sync:1")
        second = run_periodic("payment-sync:1")  # the first run has not finished
        runs = {r.id: r for r in db.session.scalars(db.select(TaskRun))}
        started = db.session.scalars(db.select(Batch).where(Batch.kind == "payments")).all()
        ident = started[0].identifier
    assert len(started) == 1 and started[0].status == Batch.QUEUED
    assert runs[first].message.startswith(f"Started payment sync {ident} of ")
    assert runs[second].result["outcome"] == "skipped"
    assert runs[second].message.startswith("Skipped: Payment sync PAY-")
    assert "already waiting to start" in runs[second].message


def test_next_run_and_cron_line():
    assert cron_line("02:00") == "0 2 * * *"
    before = datetime(2026, 12, 1, 1, 59, tzinfo=UTC)
    after = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert next_run("02:00", before) == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert next_run("02:00", after) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_the_scheduler_follows_configurations_added_and_removed_without_a_restart(
    connected, app, redis_conn
):
    with app.app_context():
        scheduler = make_scheduler(redis_for(app))
        scheduler.register()
        other = QBOConfiguration(name="Added later", status=QBOConfiguration.CONNECTED)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
        scheduler.heartbeat()  # what the running scheduler does every interval
    assert f"{ID_PREFIX}payment-sync-{other_id}" in entries(app)
    with app.app_context():
        db.session.delete(db.session.get(QBOConfiguration, other_id))
        db.session.commit()
        scheduler.heartbeat()
        scheduler.heartbeat()  # nothing changed since: registering again is not needed
    jobs = entries(app)
    assert f"{ID_PREFIX}payment-sync-{other_id}" not in jobs
    assert ID_PREFIX + "payment-sync-1" in jobs
    assert len([j for j in jobs if j.startswith(ID_PREFIX + "payment-sync-")]) == 1
