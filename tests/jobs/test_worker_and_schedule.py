"""Jobs through the real embedded Redis: enqueue after commit, a burst worker, the schedule."""

from datetime import timedelta

from rq import Queue

from cwqbo.extensions import db
from cwqbo.jobs import DEFAULT_QUEUE, SCHEDULED_QUEUE, redis_for
from cwqbo.jobs.enqueue import enqueue_after_commit, launch_task
from cwqbo.jobs.schedule import ID_PREFIX, SCHEDULE, make_scheduler, register_schedule
from cwqbo.jobs.worker import run_worker
from cwqbo.models import Invitation, TaskRun
from cwqbo.models.user import utcnow


def add_invitations(app):
    with app.app_context():
        db.session.add_all(
            [
                Invitation(email="old@example.com", expires_at=utcnow() - timedelta(days=1)),
                Invitation(email="new@example.com", expires_at=utcnow() + timedelta(days=3)),
            ]
        )
        db.session.commit()


def test_job_runs_in_burst_worker_and_result_lands_in_db(app, redis_conn):
    add_invitations(app)
    with app.app_context():
        run = launch_task("Purge", "cwqbo.jobs.tasks.purge_expired")
        run_id = run.id
        assert Queue(DEFAULT_QUEUE, connection=redis_for(app)).count == 1

    assert run_worker(app, burst=True) is True

    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        assert run.status == TaskRun.COMPLETED, run.message
        assert run.result == {"invitations": 1, "outbox_files": 0}
        assert run.message.startswith("Removed 1 expired invitation and ")
        emails = db.session.scalars(db.select(Invitation.email)).all()
        assert emails == ["new@example.com"]


def test_nothing_is_enqueued_when_the_transaction_rolls_back(app, redis_conn):
    with app.app_context():
        run = TaskRun(name="x")
        db.session.add(run)
        db.session.flush()
        enqueue_after_commit("cwqbo.jobs.tasks.purge_expired", run.id)
        db.session.rollback()
        db.session.commit()  # a later commit must not carry the dropped job
        assert Queue(DEFAULT_QUEUE, connection=redis_for(app)).count == 0


def test_jobs_take_ids_only(app):
    import pytest

    with app.app_context(), pytest.raises(TypeError):
        enqueue_after_commit("cwqbo.jobs.tasks.purge_expired", object())


def test_failed_job_records_its_reason(app, redis_conn):
    with app.app_context():
        run_id = launch_task("Purge", "cwqbo.jobs.tasks.purge_expired").id
        # The purge then fails for real: its table is gone.
        db.session.execute(db.text("DROP TABLE invitations"))
        db.session.commit()
    run_worker(app, burst=True)
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        assert run.status == TaskRun.FAILED
        # SQLite says OperationalError, PostgreSQL ProgrammingError (UndefinedTable).
        assert run.message.split(":")[0] in ("OperationalError", "ProgrammingError")
        assert "invitations" in run.message
        assert run.ended_at is not None


def test_schedule_registration_twice_leaves_one_entry_per_job(app, redis_conn):
    scheduler = make_scheduler(redis_for(app))
    register_schedule(scheduler)
    register_schedule(scheduler)
    ids = sorted(job.id for job in scheduler.get_jobs())
    assert ids == sorted(ID_PREFIX + p.id for p in SCHEDULE)
    assert len(ids) == len(set(ids)) == len(SCHEDULE)
    # A fresh scheduler process (a restart) does not duplicate either.
    register_schedule(make_scheduler(redis_for(app)))
    assert len(list(make_scheduler(redis_for(app)).get_jobs())) == len(SCHEDULE)


def test_scheduled_entry_runs_the_periodic_job_under_its_lock(app, redis_conn):
    add_invitations(app)
    scheduler = make_scheduler(redis_for(app))
    register_schedule(scheduler)
    job = next(j for j in scheduler.get_jobs() if j.id == ID_PREFIX + "purge")
    # Make it due now, let the scheduler enqueue it, then a worker run it.
    scheduler.change_execution_time(job, utcnow() - timedelta(seconds=1))
    scheduler.run(burst=True)
    assert redis_conn.get("cwqbo:scheduler:heartbeat") is not None
    # Due: the purge made due above, and the sweeper (first run at registration).
    queued = Queue(SCHEDULED_QUEUE, connection=redis_for(app)).job_ids
    assert sorted(queued) == [ID_PREFIX + "purge", ID_PREFIX + "sweep-batches"]
    run_worker(app, burst=True)
    with app.app_context():
        run = db.session.scalar(db.select(TaskRun))
        assert run.status == TaskRun.COMPLETED and run.result["invitations"] == 1
    # The cron entry stays scheduled for its next time.
    assert len(list(scheduler.get_jobs())) == len(SCHEDULE)


def test_periodic_run_skips_while_another_holds_the_lock(app, redis_conn):
    from cwqbo.jobs.tasks import run_periodic

    with app.app_context():
        lock = redis_for(app).lock("cwqbo:lock:periodic:purge", timeout=30)
        assert lock.acquire()
        try:
            assert run_periodic("purge") is None
        finally:
            lock.release()
        assert run_periodic("purge") is not None
