"""Nothing stuck (issue 11 §1): dead workers, lost jobs, a held lock, the job timeout.

The SIGKILL tests use real RQ worker and scheduler processes (cwqbo/jobs/worker.py), the
real sweeper run by a worker, and both sandboxes over HTTP.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
import worker_support
from rq.job import Job
from support import wait_for
from transfer_support import (
    batch_status,
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
    unposted_numbers,
)
from worker_support import FAST_RECOVERY, KillAfter, Processes, alive, children, sender_pid

from cwqbo.batches import recovery
from cwqbo.extensions import db
from cwqbo.jobs import TRANSFERS_QUEUE, get_queue, redis_for
from cwqbo.jobs.tasks import run_periodic
from cwqbo.models import Batch, BatchLog
from cwqbo.models.user import utcnow

# Ordinary USD invoices of the Manage sample: each goes through without faults.
NUMBERS = [n for n in range(10010, 10034) if n not in (10022, 10027)]
RECOVERY_BOUND = 60  # seconds from the SIGKILL to the batch's end


@pytest.fixture
def app_config(app_config):
    return {**app_config, **FAST_RECOVERY}


qbo_stack = worker_support.qbo_stack  # a QBO sandbox the test can hook


@pytest.fixture
def qbo_server(qbo_stack):
    return qbo_stack[0], qbo_stack[2]


def log_lines(app, batch_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(BatchLog.message)
                .where(BatchLog.batch_id == batch_id)
                .order_by(BatchLog.id)
            )
        )


def assert_exactly_once(app, batch_id, qbo_base_url, state, numbers):
    """0 lost, 0 doubled, 0 marked in Manage without being in QBO."""
    docs = qbo_docs(qbo_base_url)
    wanted = {str(n) for n in numbers}
    doubled = {n: len(docs[n]) for n in wanted if len(docs.get(n, [])) > 1}
    lost = sorted(n for n in wanted if n not in docs)
    assert not doubled and not lost, f"doubled {doubled}, lost {lost}"
    marked = manage_batches(state)
    assert len(marked) == len(wanted), sorted(marked)
    marked_numbers = {ident.rsplit("-I", 1)[1] for ident in marked}
    assert marked_numbers == wanted
    assert not marked_numbers - set(docs), "marked in Manage but not in QBO"
    assert not wanted & unposted_numbers(state)
    txs = transactions(app, batch_id)
    assert {t["state"] for t in txs.values()} == {"batched"}, txs


def is_qbo_invoice_chunk(environ, body):
    return environ["PATH_INFO"].endswith("/batch") and b'"Invoice"' in body


def is_manage_mark(environ, body):
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(
        "/finance/accounting/batches"
    )


@pytest.mark.parametrize("moment", ["after QBO created a chunk", "mid-marks"])
def test_a_sigkilled_work_horse_batch_finishes_by_itself(
    app, app_config, connected, manage, qbo_stack, cw_server, redis_conn, tmp_path, moment
):
    qbo_url, qbo_wsgi, _qbo_state = qbo_stack
    state = manage[1]
    procs = Processes(app_config, app, tmp_path)
    batch_id = submit(app, row_ids(*NUMBERS))  # queued; no worker runs yet
    workers = {}

    def kill(environ):
        horse = sender_pid(environ)
        assert horse in children(workers["first"].pid), "the sender is the worker's work-horse"
        os.kill(horse, signal.SIGKILL)
        if moment == "mid-marks":  # the whole dyno goes: work-horse and worker
            os.kill(workers["first"].pid, signal.SIGKILL)
        return [horse]

    if moment == "mid-marks":
        server, hook = cw_server[1], KillAfter(cw_server[1].app, is_manage_mark, kill, nth=5)
    else:
        server, hook = qbo_wsgi, KillAfter(qbo_wsgi.app, is_qbo_invoice_chunk, kill)
    inner, server.app = server.app, hook
    try:
        procs.scheduler()
        workers["first"] = procs.worker()
        procs.wait_for(lambda: hook.killed or hook.errors, 90, f"the SIGKILL {moment}")
        assert not hook.errors, hook.errors
        killed_at = time.monotonic()
        wait_for(lambda: not alive(hook.killed[0]), 10, "the work-horse's death")
        if moment == "after QBO created a chunk":
            assert len(qbo_docs(qbo_url)) >= len(NUMBERS), "QBO created the chunk"
            assert {t["state"] for t in transactions(app, batch_id).values()} == {"sending"}
        else:
            wait_for(lambda: not alive(workers["first"].pid), 10, "the worker's death")
            assert 0 < len(manage_batches(state)) < len(NUMBERS)
            procs.worker()  # the restarted dyno
        procs.wait_for(
            lambda: batch_status(app, batch_id)[0] in Batch.ENDED,
            RECOVERY_BOUND,
            "the batch to finish by itself",
        )
        elapsed = time.monotonic() - killed_at
    finally:
        server.app = inner
        procs.stop()
    assert batch_status(app, batch_id)[0] == "succeeded", batch_status(app, batch_id)
    assert elapsed < RECOVERY_BOUND
    assert_exactly_once(app, batch_id, qbo_url, state, NUMBERS)
    assert any(line.startswith("Resumed automatically") for line in log_lines(app, batch_id))
    print(f"{moment}: finished {elapsed:.1f} s after the SIGKILL")


def test_a_skipped_job_says_so_and_the_batch_still_runs(
    app, connected, manage, qbo_server, run_jobs
):
    batch_id = submit(app, row_ids(*NUMBERS[:3]))
    with app.app_context():
        job_id = db.session.get(Batch, batch_id).job_id
        # Another (dead) worker's lock: it expires by itself after its TTL.
        other = redis_for(app).lock(f"cwqbo:lock:batch:{batch_id}", timeout=1)
        assert other.acquire(token="elsewhere:4242:dead")
    run_jobs()
    with app.app_context():
        job = Job.fetch(job_id, connection=redis_for(app))
        assert job.meta["outcome"] == "skipped"
        assert job.return_value()["outcome"] == "skipped"
    assert batch_status(app, batch_id)[0] == "queued"
    assert any("elsewhere:4242:dead holds its lock" in line for line in log_lines(app, batch_id))
    wait_for(lambda: not redis_for(app).exists(f"cwqbo:lock:batch:{batch_id}"), 5, "lock expiry")
    app.config["BATCH_STALE_AFTER"] = 0
    with app.app_context():
        assert run_periodic("sweep-batches") == [f"INV-{batch_id:06d}"]
        assert run_periodic("sweep-batches") == [], "its new job waits: not queued twice"
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert any("Queued again automatically" in line for line in log_lines(app, batch_id))


def test_a_queued_batch_whose_job_vanished_is_queued_again(
    app, connected, manage, qbo_server, run_jobs
):
    batch_id = submit(app, row_ids(*NUMBERS[:2]))
    with app.app_context():
        get_queue(TRANSFERS_QUEUE).empty()  # Redis lost the job (flushed, restarted)
        assert run_periodic("sweep-batches") == [], "not stale yet"
    app.config["BATCH_STALE_AFTER"] = 0
    with app.app_context():
        assert run_periodic("sweep-batches") == [f"INV-{batch_id:06d}"]
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"


def make_dead_run(app, batch_id: int, seconds_ago: int = 120) -> None:
    """Leave the batch as a SIGKILLed worker does: running, no lock, an old heartbeat."""
    with app.app_context():
        get_queue(TRANSFERS_QUEUE).empty()
        batch = db.session.get(Batch, batch_id)
        batch.status, batch.started_at = Batch.RUNNING, utcnow() - timedelta(seconds=seconds_ago)
        batch.heartbeat_at = batch.started_at
        db.session.commit()


def test_retry_resumes_a_batch_whose_worker_died_and_says_so(
    app, connected, manage, qbo_server, run_jobs
):
    batch_id = submit(app, row_ids(*NUMBERS[:3]))
    make_dead_run(app, batch_id)
    identifier = f"INV-{batch_id:06d}"
    page = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert "Its worker stopped" in page and "Retry now" in page
    # While a worker holds the lock the batch is running: Retry says so and does nothing.
    with app.app_context():
        lock = redis_for(app).lock(f"cwqbo:lock:batch:{batch_id}", timeout=30)
        assert lock.acquire(token="host:1:alive")
    response = connected.post(f"/batches/{identifier}/retry")
    page = connected.get(response.headers["Location"]).get_data(as_text=True)
    assert "This batch is running" in page
    assert batch_status(app, batch_id)[0] == "running"
    lock.release()
    response = connected.post(f"/batches/{identifier}/retry")
    page = connected.get(response.headers["Location"]).get_data(as_text=True)
    assert "its worker had stopped" in page and "3 transactions continue" in page
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"


def test_a_long_batch_continues_in_follow_up_jobs_before_the_job_timeout(
    app, connected, manage, qbo_server, run_jobs
):
    """A zero time budget: every job stops at its first safe point after moving something on,
    so the batch is carried by a chain of follow-up jobs, as a 10,000-invoice batch is by a
    few (the budget sits below JOB_TIMEOUT, so none meets it)."""
    state = manage[1]
    app.config.update(BATCH_TIME_BUDGET=0)
    batch_id = submit(app, row_ids(*NUMBERS))
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "succeeded", message
    continued = [line for line in log_lines(app, batch_id) if line.startswith("Continuing:")]
    assert continued, log_lines(app, batch_id)
    assert all(
        "moving" in line and "the rest follows in the next job" in line for line in continued
    )
    with app.app_context():
        assert db.session.get(Batch, batch_id).runs == 1, "one run, carried by several jobs"
    assert_exactly_once(app, batch_id, qbo_server[0], state, NUMBERS)
    print(f"{len(continued) + 1} jobs: {message}")


def test_two_sweepers_at_once_queue_a_dead_batch_once(app, connected, manage, qbo_server):
    """The database's own locking (SKIP LOCKED / SQLite's write lock), not the sweep lock."""
    batch_id = submit(app, row_ids(*NUMBERS[:2]))
    make_dead_run(app, batch_id)
    barrier, results = threading.Barrier(2), []

    def sweep():
        with app.app_context():
            barrier.wait(5)
            results.append(recovery.sweep(0))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(len, results)) == [0, 1], results
    with app.app_context():
        assert get_queue(TRANSFERS_QUEUE).count == 1
        assert db.session.get(Batch, batch_id).status == Batch.QUEUED
