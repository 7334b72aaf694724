"""Run RQ workers and the scheduler inside the app's context."""

from __future__ import annotations

import logging

from flask import Flask
from rq import Worker

from cwqbo.extensions import db
from cwqbo.jobs import QUEUES, redis_for
from cwqbo.jobs.schedule import make_scheduler

log = logging.getLogger(__name__)


class AppWorker(Worker):
    """Worker whose forked work horse opens its own database connections."""

    def main_work_horse(self, job, queue):
        # Connections inherited through fork() must not be shared with the parent.
        db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)


def run_worker(app: Flask, burst: bool = False, queues=QUEUES) -> bool:
    """Work the queues until stopped (SIGTERM finishes the current job first)."""
    with app.app_context():
        worker = AppWorker(list(queues), connection=redis_for(app))
        return worker.work(burst=burst, logging_level="INFO")


def run_scheduler(app: Flask, interval: int = 30, burst: bool = False) -> None:
    """Register the periodic schedule, then enqueue due entries until stopped."""
    with app.app_context():
        scheduler = make_scheduler(redis_for(app), interval=interval)
        scheduler.register()
        scheduler.run(burst=burst)  # rq-scheduler stops cleanly on SIGINT/SIGTERM
