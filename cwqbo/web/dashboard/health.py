"""Health of the database, Redis, workers and scheduler."""

from __future__ import annotations

import time

from rq import Queue, Worker
from rq.registry import FailedJobRegistry

from cwqbo.extensions import db
from cwqbo.jobs import QUEUES, SCHEDULER_HEARTBEAT_KEY, get_redis

SCHEDULER_STALE_AFTER = 180  # seconds: several scheduler intervals


def database_state() -> dict:
    try:
        db.session.execute(db.text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # the probe reports, it never raises
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}


def redis_state() -> dict:
    try:
        get_redis().ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def workers_state() -> dict:
    try:
        workers = Worker.all(connection=get_redis())
    except Exception as exc:
        return {"ok": False, "count": 0, "error": type(exc).__name__, "workers": []}
    rows = [
        {
            "name": w.name,
            "state": w.get_state(),
            "queues": w.queue_names(),
            "current_job": w.get_current_job_id(),
            "last_heartbeat": w.last_heartbeat.isoformat() if w.last_heartbeat else None,
        }
        for w in workers
    ]
    return {"ok": bool(rows), "count": len(rows), "workers": rows}


def scheduler_state(now: float | None = None) -> dict:
    try:
        raw = get_redis().get(SCHEDULER_HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__, "last_heartbeat": None}
    if raw is None:
        return {"ok": False, "last_heartbeat": None, "age_seconds": None}
    age = int((now or time.time()) - int(raw))
    return {"ok": age <= SCHEDULER_STALE_AFTER, "last_heartbeat": int(raw), "age_seconds": age}


def queues_state() -> list[dict]:
    conn = get_redis()
    rows = []
    for name in QUEUES:
        queue = Queue(name, connection=conn)
        rows.append(
            {
                "name": name,
                "queued": queue.count,
                "failed": FailedJobRegistry(queue=queue).count,
                "started": queue.started_job_registry.count,
            }
        )
    return rows
