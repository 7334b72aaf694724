"""Fixtures for AutoSync: both sandboxes connected, an admin, AutoSync on for configuration 1,
and a burst RQ worker that runs what the scheduler would enqueue."""

from __future__ import annotations

import pytest
from connected_fixtures import app_config, connected  # noqa: F401 (fixtures)
from rq import Queue

from cwqbo.extensions import db
from cwqbo.jobs import SCHEDULED_QUEUE, redis_for
from cwqbo.models import AutoSyncSetting


def keep_invoices(state, numbers) -> None:
    """Leave only these sample invoices unposted in the Manage sandbox (a quick run)."""
    with state.lock:
        docs = state.docs["invoices"]
        for row_id in [k for k, d in docs.items() if d["export"]["documentNumber"] not in numbers]:
            del docs[row_id]


def turn_on(app, config_id=1, kinds=("invoices",), interval=120) -> None:
    with app.app_context():
        setting = AutoSyncSetting.of(config_id)
        setting.enabled, setting.kinds, setting.interval_minutes = True, list(kinds), interval
        db.session.commit()


@pytest.fixture
def run_scheduled(app):
    """Enqueue one scheduled AutoSync entry as rq-scheduler does and work it in a real worker."""
    from cwqbo.jobs.worker import run_worker

    def do(config_id: int = 1):
        queue = Queue(SCHEDULED_QUEUE, connection=redis_for(app))
        job = queue.enqueue("cwqbo.jobs.tasks.run_periodic", f"autosync:{config_id}")
        run_worker(app, burst=True)
        job.refresh()
        assert job.get_status() == "finished", job.latest_result()
        return job.return_value()

    return do
