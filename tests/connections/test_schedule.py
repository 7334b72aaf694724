"""The token refresh and connection-health entries of the periodic schedule, through real RQ."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue

from cwqbo.extensions import db
from cwqbo.jobs import SCHEDULED_QUEUE, redis_for
from cwqbo.jobs.schedule import ID_PREFIX, make_scheduler, register_schedule
from cwqbo.jobs.tasks import run_periodic
from cwqbo.jobs.worker import run_worker
from cwqbo.models import TaskRun
from cwqbo.models.user import utcnow

OURS = {ID_PREFIX + "qbo-tokens": "11,41 * * * *", ID_PREFIX + "connection-health": "23 6 * * *"}


def entries(app) -> dict:
    return {j.id: j.meta.get("cron_string") for j in make_scheduler(redis_for(app)).get_jobs()}


def test_registering_twice_leaves_one_entry_per_job(app, redis_conn):
    with app.app_context():
        register_schedule(make_scheduler(redis_for(app)))
        register_schedule(make_scheduler(redis_for(app)))  # a scheduler restart
        jobs = list(make_scheduler(redis_for(app)).get_jobs())
    ids = [j.id for j in jobs]
    assert len(ids) == len(set(ids))
    assert {i: c for i, c in entries(app).items() if i in OURS} == OURS  # every 30 min, daily


def test_the_health_entry_runs_through_scheduler_and_worker(app, redis_conn):
    with app.app_context():
        scheduler = make_scheduler(redis_for(app))
        register_schedule(scheduler)
        job = next(j for j in scheduler.get_jobs() if j.id == ID_PREFIX + "connection-health")
        scheduler.change_execution_time(job, utcnow() - timedelta(seconds=1))
        scheduler.run(burst=True)
    assert ID_PREFIX + "connection-health" in Queue(SCHEDULED_QUEUE, connection=redis_conn).job_ids
    run_worker(app, burst=True)
    with app.app_context():
        run = db.session.scalar(db.select(TaskRun).where(TaskRun.name == "Check connection health"))
        assert run.status == TaskRun.COMPLETED, run.message
        assert run.message.startswith("ConnectWise Manage: not configured. QuickBooks Online: 0")
    assert OURS.items() <= entries(app).items()  # still scheduled for next time


def test_an_overlapping_run_is_skipped(app, redis_conn):
    with app.app_context():
        lock = redis_for(app).lock("cwqbo:lock:periodic:qbo-tokens", timeout=30)
        assert lock.acquire()
        try:
            assert run_periodic("qbo-tokens") is None
            assert db.session.scalar(db.select(db.func.count()).select_from(TaskRun)) == 0
        finally:
            lock.release()
        run = db.session.get(TaskRun, run_periodic("qbo-tokens"))
        assert run.status == TaskRun.COMPLETED and run.result["refreshed"] == 0
