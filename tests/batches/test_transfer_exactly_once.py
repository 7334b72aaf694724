"""Exactly once (spec D5): crashes, resumes, double submissions and flaky APIs."""

from __future__ import annotations

import pytest
from support import QBO_US_REALM, connect_qbo
from transfer_support import (
    batch_status,
    end_state,
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
)

from cwqbo.batches import execution, service
from cwqbo.batches.service import SelectionError
from cwqbo.batches.store import DatabaseStore
from cwqbo.extensions import db
from cwqbo.jobs import TRANSFERS_QUEUE, get_queue
from cwqbo.models import Batch, Pairing
from cwqbo.sandbox.connectwise.faults import Faults

NUMBERS = (10012, 10013, 10014, 10015, 10016)


class Crash(BaseException):
    """The worker dies here (BaseException: nothing in the runner may swallow it)."""


class CrashingStore(DatabaseStore):
    """Die at a chosen step, as a killed worker would, after QBO answered."""

    def __init__(self, batch, when):
        super().__init__(batch)
        self.when = when

    def update(self, tx, **fields):
        if self.when == "before saving the QBO id" and fields.get("state") == "in_qbo":
            raise Crash()
        super().update(tx, **fields)

    def action(self, section, key, label, state, **fields):
        if self.when == "before the Manage mark" and section == "manage":
            raise Crash()
        super().action(section, key, label, state, **fields)


def run_until_crash(app, batch_id, when):
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        batch.status = Batch.RUNNING
        db.session.commit()
        runner = execution._runner(batch, CrashingStore(batch, when))
        with pytest.raises(Crash):
            runner.run()
        db.session.rollback()


def resume(app, batch_id):
    """What RQ does when the job is retried: run the same job again for the batch."""
    with app.app_context():
        get_queue(TRANSFERS_QUEUE).enqueue("cwqbo.jobs.tasks.run_batch", batch_id)


@pytest.mark.parametrize("when", ["before saving the QBO id", "before the Manage mark"])
def test_resume_after_a_crash_creates_nothing_twice(
    app, connected, manage, qbo_server, run_jobs, when
):
    state = manage[1]
    with app.app_context():
        queue = get_queue(TRANSFERS_QUEUE)
        batch_id = submit(app, row_ids(*NUMBERS))
        queue.empty()  # the worker that would have run it is the one that crashes
    run_until_crash(app, batch_id, when)
    in_qbo = qbo_docs(qbo_server[0])
    assert {str(n) for n in NUMBERS} <= set(in_qbo), "QBO got the invoices before the crash"
    assert not manage_batches(state)

    resume(app, batch_id)
    run_jobs()

    docs = qbo_docs(qbo_server[0])
    for number in map(str, NUMBERS):
        assert len(docs[number]) == 1, f"invoice {number} is in QBO {len(docs[number])} times"
    txs = transactions(app, batch_id)
    assert {t["state"] for t in txs.values()} == {"batched"}, txs
    assert len(manage_batches(state)) == len(NUMBERS)
    assert batch_status(app, batch_id)[0] == "succeeded"


def test_the_same_job_run_twice_and_a_second_submission_change_nothing(
    app, connected, manage, qbo_server, run_jobs
):
    state = manage[1]
    batch_id = submit(app, row_ids(*NUMBERS))
    with pytest.raises(SelectionError, match="already in a batch"):
        submit(app, row_ids(*NUMBERS))
    resume(app, batch_id)  # a duplicate delivery of the job
    run_jobs()
    first = end_state(qbo_server[0], state)
    with pytest.raises(SelectionError, match="no longer unposted"):
        submit(app, row_ids(*NUMBERS))
    resume(app, batch_id)
    run_jobs()
    assert end_state(qbo_server[0], state) == first
    for number in map(str, NUMBERS):
        assert len(qbo_docs(qbo_server[0])[number]) == 1
    assert len(manage_batches(state)) == len(NUMBERS)


def test_a_failed_manage_mark_is_retried_without_sending_again(
    app, connected, manage, qbo_server, run_jobs
):
    state, faults = manage[1], manage[2]
    faults.configure(Faults(deny=["finance/accounting/batches"]))
    batch_id = submit(app, row_ids(*NUMBERS))
    run_jobs()
    assert batch_status(app, batch_id)[0] == "failed"
    assert {t["state"] for t in transactions(app, batch_id).values()} == {"in_qbo"}
    faults.configure(Faults())

    with app.app_context():
        count = service.retry(db.session.get(Batch, batch_id), None)
    assert count == len(NUMBERS)
    run_jobs()
    assert {t["state"] for t in transactions(app, batch_id).values()} == {"batched"}
    docs = qbo_docs(qbo_server[0])
    assert all(len(docs[str(n)]) == 1 for n in NUMBERS)
    assert len(manage_batches(state)) == len(NUMBERS)


# Ordinary USD invoices: without faults every one of them goes through.
FLAKY = [n for n in range(10010, 10034) if n not in (10022, 10027)]


def run_with_retries(app, batch_id, run_jobs, attempts=4):
    run_jobs()
    for _ in range(attempts):
        if batch_status(app, batch_id)[0] == "succeeded":
            return
        with app.app_context():
            service.retry(db.session.get(Batch, batch_id), None)
        run_jobs()


def test_flaky_apis_reach_the_same_end_state(app, connected, manage, qbo_server, run_jobs):
    import requests

    state, faults = manage[1], manage[2]
    batch_id = submit(app, row_ids(*FLAKY))
    run_jobs()
    clean = end_state(qbo_server[0], state)
    assert batch_status(app, batch_id)[0] == "succeeded", batch_status(app, batch_id)

    # Same selection on fresh sandboxes, with 10% faults on both APIs.
    state.reset()
    requests.post(f"{qbo_server[0]}/_sandbox/reset", timeout=10)
    connect_qbo(connected, 1, QBO_US_REALM)  # a reset sandbox forgot its tokens
    with app.app_context():
        db.session.execute(db.delete(Batch))
        db.session.execute(db.delete(Pairing))  # the reset QBO forgot the customers paired
        db.session.commit()
    faults.configure(Faults(rate_429=0.04, rate_500=0.03, rate_drop=0.03, retry_after=0.01, seed=7))
    requests.post(  # the same knobs as the Manage sandbox's (cwqbo.sandbox.faults)
        f"{qbo_server[0]}/_sandbox/faults",
        json={
            **{"rate_429": 0.04, "rate_500": 0.03, "rate_drop": 0.03, "retry_after": 0.01},
            **{"seed": 7, "script": ["ok", "500", "ok", "429", "ok", "drop"]},
        },
        timeout=10,
    ).raise_for_status()
    batch_id = submit(app, row_ids(*FLAKY))
    run_with_retries(app, batch_id, run_jobs)
    qbo_faults = {k: v for k, v in qbo_server[1].faults.counts.items() if k != "ok"}
    requests.post(f"{qbo_server[0]}/_sandbox/faults", json={}, timeout=10).raise_for_status()
    injected = dict(faults.counts)
    faults.configure(Faults())
    assert sum(v for k, v in injected.items() if k != "ok") >= 2, injected
    assert sum(qbo_faults.values()) >= 1, qbo_faults
    assert batch_status(app, batch_id)[0] == "succeeded", (
        batch_status(app, batch_id),
        {n: t["message"] for n, t in transactions(app, batch_id).items() if t["message"]},
    )
    assert end_state(qbo_server[0], state) == clean
