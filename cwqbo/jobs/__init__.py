"""Background work on RQ: queue names, connections, enqueue helpers, the periodic schedule.

This is the only package that imports RQ.
"""

from __future__ import annotations

import redis
from flask import Flask, current_app
from rq import Queue

DEFAULT_QUEUE = "default"
TRANSFERS_QUEUE = "transfers"
SCHEDULED_QUEUE = "scheduled"
QUEUES = (TRANSFERS_QUEUE, DEFAULT_QUEUE, SCHEDULED_QUEUE)

KEY_PREFIX = "cwqbo:"
SCHEDULER_HEARTBEAT_KEY = KEY_PREFIX + "scheduler:heartbeat"


def redis_for(app: Flask) -> redis.Redis:
    """Return the app's Redis client (one connection pool per process)."""
    conn = app.extensions.get("cwqbo_redis")
    if conn is None:
        conn = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
        )
        app.extensions["cwqbo_redis"] = conn
    return conn


def get_redis() -> redis.Redis:
    """Return the current app's Redis client."""
    return redis_for(current_app)


def get_queue(name: str = DEFAULT_QUEUE) -> Queue:
    """Return the named queue on the current app's Redis."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis(), default_timeout=current_app.config["JOB_TIMEOUT"])


# A started job is not "waiting": a live one takes its batch's lock at once, so a started
# job of a batch nobody holds is one whose worker died (RQ may keep it "started" for long).
WAITING_STATES = ("queued", "scheduled", "deferred")


def job_waiting(job_id: str | None) -> bool:
    """Say whether RQ still holds job_id as queued, scheduled or deferred."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    if not job_id:
        return False
    try:
        status = Job.fetch(job_id, connection=get_redis()).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return str(getattr(status, "value", status)) in WAITING_STATES
