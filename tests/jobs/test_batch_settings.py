"""The settings that keep batches from getting stuck: defaults, and refusals that say why."""

import pytest

from cwqbo.config import ConfigError, batch_settings
from cwqbo.jobs.schedule import ID_PREFIX, make_scheduler, register_schedule


def test_defaults_leave_room_below_the_job_timeout():
    settings = batch_settings({})
    assert settings == {
        "JOB_TIMEOUT": 1800,
        "BATCH_LOCK_TTL": 30,
        "BATCH_STALE_AFTER": 60,
        "BATCH_SWEEP_INTERVAL": 60,
        "BATCH_TIME_BUDGET": 1500,
    }
    assert batch_settings({"JOB_TIMEOUT": "300"})["BATCH_TIME_BUDGET"] == 225


@pytest.mark.parametrize(
    "env, words",
    [
        ({"BATCH_TIME_BUDGET": "1800"}, "BATCH_TIME_BUDGET (1800) must be above 0 and below"),
        ({"BATCH_STALE_AFTER": "30"}, "BATCH_STALE_AFTER (30) must be longer than BATCH_LOCK_TTL"),
        ({"BATCH_LOCK_TTL": "1"}, "BATCH_LOCK_TTL must be at least 3 seconds"),
        ({"BATCH_SWEEP_INTERVAL": "0"}, "BATCH_SWEEP_INTERVAL must be at least 1 second"),
        ({"BATCH_LOCK_TTL": "soon"}, "BATCH_LOCK_TTL must be a whole number, got 'soon'"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(env, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        batch_settings(env)


def test_the_sweeper_is_registered_at_its_configured_interval(app, redis_conn):
    from cwqbo.jobs import redis_for

    scheduler = make_scheduler(redis_for(app))
    register_schedule(scheduler, config={**app.config, "BATCH_SWEEP_INTERVAL": 7})
    sweeper = next(j for j in scheduler.get_jobs() if j.id == ID_PREFIX + "sweep-batches")
    assert sweeper.meta["interval"] == 7
    assert sweeper.args == ["sweep-batches"]
