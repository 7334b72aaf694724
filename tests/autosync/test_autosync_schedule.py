"""AutoSync in the schedule: one entry per connected configuration with it on, at its interval,
stable ids, registered idempotently; toggling or removing updates it; overlaps are skipped."""

from __future__ import annotations

from datetime import timedelta

from conftest import turn_on

from cwqbo.extensions import db
from cwqbo.jobs import KEY_PREFIX, redis_for
from cwqbo.jobs.schedule import ID_PREFIX, SCHEDULE, make_scheduler, register_schedule
from cwqbo.jobs.tasks import run_periodic
from cwqbo.models import AutoSyncSetting, Batch, QBOConfiguration, TaskRun
from cwqbo.models.user import utcnow

FIXED = {ID_PREFIX + p.id for p in SCHEDULE}


def entries(app) -> dict[str, object]:
    jobs = make_scheduler(redis_for(app)).get_jobs(with_times=True)
    return {job.id: (job, when) for job, when in jobs}


def autosync_entries(app) -> dict[str, object]:
    return {k: v for k, v in entries(app).items() if k.startswith(ID_PREFIX + "autosync-")}


def register(app) -> None:
    with app.app_context():
        register_schedule(make_scheduler(redis_for(app)))


def test_one_entry_per_configuration_with_autosync_on_registered_twice(connected, app):
    register(app)
    assert autosync_entries(app) == {}, "off by default: no entry"
    turn_on(app, interval=45)
    register(app)
    register(app)  # a restart: no duplicate
    found = autosync_entries(app)
    assert list(found) == [ID_PREFIX + "autosync-1"]
    job, _when = found[ID_PREFIX + "autosync-1"]
    assert job.meta["interval"] == 45 * 60
    assert job.args == ["autosync:1"]
    assert FIXED <= set(entries(app))

    # A second connected configuration with AutoSync on adds its own entry.
    with app.app_context():
        other = QBOConfiguration(name="Second company", status=QBOConfiguration.CONNECTED)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    turn_on(app, config_id=other_id, interval=30)
    register(app)
    assert set(autosync_entries(app)) == {
        ID_PREFIX + "autosync-1",
        f"{ID_PREFIX}autosync-{other_id}",
    }
    # Turning one off removes its entry; removing a configuration removes its entry.
    with app.app_context():
        db.session.get(AutoSyncSetting, 1).enabled = False
        db.session.delete(db.session.get(QBOConfiguration, other_id))
        db.session.commit()
    register(app)
    assert autosync_entries(app) == {}
    assert FIXED <= set(entries(app)), "the other periodic jobs are untouched"


def test_registering_again_keeps_the_next_run_one_interval_after_the_last(connected, app):
    turn_on(app, interval=60)
    started = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    with app.app_context():
        db.session.get(AutoSyncSetting, 1).last_started_at = started
        db.session.commit()
    register(app)
    register(app)
    _job, when = autosync_entries(app)[ID_PREFIX + "autosync-1"]
    assert when.replace(tzinfo=None) == started + timedelta(minutes=60)


def test_an_overlapping_run_is_skipped_and_recorded(connected, app, redis_conn):
    turn_on(app)
    # The run before this one is still going: it holds the configuration's AutoSync lock.
    lock = redis_for(app).lock(f"{KEY_PREFIX}lock:autosync:1", timeout=60)
    assert lock.acquire(blocking=False)
    try:
        with app.app_context():
            run_id = run_periodic("autosync:1")
            run = db.session.get(TaskRun, run_id)
            assert run.status == TaskRun.COMPLETED
            assert run.result["outcome"] == "skipped"
            assert run.message == "Skipped: the previous AutoSync run of Default is still going."
            assert db.session.scalars(db.select(Batch)).all() == [], "nothing was started"
    finally:
        lock.release()


def test_a_run_of_a_removed_configuration_is_skipped_and_drops_its_entry(connected, app):
    with app.app_context():
        other = QBOConfiguration(name="Second company", status=QBOConfiguration.CONNECTED)
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    turn_on(app, config_id=other_id)
    register(app)
    assert f"{ID_PREFIX}autosync-{other_id}" in autosync_entries(app)
    with app.app_context():
        db.session.delete(db.session.get(QBOConfiguration, other_id))  # no re-registration
        db.session.commit()
        run = db.session.get(TaskRun, run_periodic(f"autosync:{other_id}"))
        assert run.result["outcome"] == "skipped"
        assert run.message == f"Skipped: AutoSync of Configuration {other_id} is off."
    assert autosync_entries(app) == {}, "the stale entry is gone"
    assert FIXED <= set(entries(app))
