"""A SIGKILLed AutoSync run: its lock dies with it (short TTL, no heartbeat left), the
sweeper finishes its batch, and the next run is not skipped; nothing is sent twice and
AutoSync is still on."""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from conftest import keep_invoices, turn_on
from rq import Queue
from support import QBO_US_REALM, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batches"))
from worker_support import (  # noqa: E402
    FAST_RECOVERY,
    KillAfter,
    Processes,
    alive,
    children,
    sender_pid,
)

from cwqbo.extensions import db  # noqa: E402
from cwqbo.jobs import KEY_PREFIX, SCHEDULED_QUEUE, redis_for  # noqa: E402
from cwqbo.jobs.tasks import run_periodic  # noqa: E402
from cwqbo.models import AutoSyncSetting, Batch, TaskRun  # noqa: E402

NUMBERS = {"10012", "10013", "10014"}
LOCK = f"{KEY_PREFIX}lock:autosync:1"


@pytest.fixture
def app_config(app_config):
    return {**app_config, **FAST_RECOVERY}


def is_manage_mark(environ, body):
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
        "/finance/accounting/batches"
    )


def qbo_counts(qbo_base_url: str) -> Counter:
    url = f"{qbo_base_url}/_sandbox/entities/{QBO_US_REALM}/Invoice"
    return Counter(d.get("DocNumber") for d in requests.get(url, timeout=10).json())


def test_a_sigkilled_run_frees_its_lock_and_the_next_run_goes_on(
    app, app_config, connected, manage, cw_server, qbo_server, redis_conn, tmp_path
):
    keep_invoices(manage[1], NUMBERS)
    turn_on(app)
    procs = Processes(app_config, app, tmp_path)
    workers = {}

    def kill(environ):
        horse = sender_pid(environ)
        assert horse in children(workers["first"].pid), "the AutoSync job's work-horse sent it"
        os.kill(horse, signal.SIGKILL)
        return [horse]

    server = cw_server[1]
    hook = KillAfter(server.app, is_manage_mark, kill, nth=2)
    inner, server.app = server.app, hook
    redis = redis_for(app)
    try:
        Queue(SCHEDULED_QUEUE, connection=redis).enqueue(
            "cwqbo.jobs.tasks.run_periodic", "autosync:1"
        )
        workers["first"] = procs.worker()
        procs.wait_for(lambda: hook.killed or hook.errors, 90, "the SIGKILL mid-run")
        assert not hook.errors, hook.errors
        assert not alive(hook.killed[0])
        ttl = FAST_RECOVERY["BATCH_LOCK_TTL"]
        wait_for(lambda: not redis.exists(LOCK), ttl + 5, "the dead run's lock to expire")
        procs.scheduler()  # its sweeper resumes the batch the dead run left
        with app.app_context():
            batch_id = db.session.scalar(db.select(Batch.id).where(Batch.kind == "invoices"))
        procs.wait_for(
            lambda: _status(app, batch_id) in Batch.ENDED, 60, "the batch to finish by itself"
        )
    finally:
        server.app = inner
        procs.stop()
    assert _status(app, batch_id) == Batch.SUCCEEDED
    with app.app_context():
        run = db.session.get(TaskRun, run_periodic("autosync:1"))
        assert run.result["outcome"] == "ran", run.message  # not skipped by a stale lock
        assert run.result["batches"] == [], "nothing left to send"
        assert db.session.get(AutoSyncSetting, 1).enabled, "AutoSync is still on"
    counts = qbo_counts(qbo_server[0])
    assert {n: counts[n] for n in NUMBERS} == dict.fromkeys(NUMBERS, 1), "each sent once"


def _status(app, batch_id: int) -> str:
    with app.app_context():
        return db.session.get(Batch, batch_id).status
