"""Enqueue jobs only after the database transaction that created their rows commits."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from cwqbo.extensions import db
from cwqbo.jobs import DEFAULT_QUEUE, get_queue
from cwqbo.models import TaskRun

log = logging.getLogger(__name__)
_PENDING = "cwqbo_pending_jobs"


def enqueue_after_commit(
    func: str, *ids: int, queue: str = DEFAULT_QUEUE, job_id: str | None = None
) -> None:
    """Enqueue func(*ids) once the current session commits; drop it on rollback.

    Jobs receive ids only: the worker reads the rows it needs, so it never works on
    data the web process has not committed yet. ``job_id`` names the job (so its row can
    say which job is meant to run it).
    """
    if not all(isinstance(i, int) for i in ids):
        raise TypeError("jobs take database ids only")
    app = current_app._get_current_object()
    db.session.info.setdefault(_PENDING, []).append((app, func, ids, queue, job_id))


@event.listens_for(Session, "after_commit")
def _flush_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    for app, func, ids, queue, job_id in pending:
        with app.app_context():
            job = get_queue(queue).enqueue(
                func, *ids, job_timeout=app.config["JOB_TIMEOUT"], job_id=job_id
            )
            log.info("enqueued %s%s as job %s on %s", func, ids, job.id, queue)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def launch_task(name: str, func: str, user_id: int | None = None, queue: str = DEFAULT_QUEUE):
    """Record a TaskRun row, commit it, then enqueue func(run_id); return the row."""
    run = TaskRun(name=name, created_by_id=user_id)
    db.session.add(run)
    db.session.flush()
    enqueue_after_commit(func, run.id, queue=queue)
    db.session.commit()
    return run
