"""The time budget stops a job between Manage marks (issue 14, H5's finding).

Marks go out on worker threads, and the budget's checkpoint runs before each mark starts. With
every mark started up front the checkpoint had nothing left to stop: one job posted them all,
however long that took. At most 4 x MANAGE_MARK_CONCURRENCY marks are in flight now, so a
zero budget stops every job after a few marks, and the follow-up jobs finish the rest, each
mark exactly once. The runner runs in the forked RQ worker, both sandboxes over HTTP.
"""

from __future__ import annotations

import math
import re

import pytest
from transfer_support import batch_status, manage_batches, qbo_docs, row_ids, submit, transactions

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog
from cwqbo.transfer.marking import IN_FLIGHT_PER_WORKER

# Ordinary USD invoices of the sample: without faults every one goes through.
NUMBERS = [n for n in range(10010, 10034) if n not in (10022, 10027)]
CONCURRENCY = 2
IN_FLIGHT = IN_FLIGHT_PER_WORKER * CONCURRENCY
MOVED = re.compile(r"after moving (\d+) transactions? on")


def continued(app, batch_id: int) -> list[int]:
    """How many transactions each job that used up its budget moved on, in order."""
    with app.app_context():
        lines = db.session.scalars(
            db.select(BatchLog.message)
            .where(BatchLog.batch_id == batch_id, BatchLog.message.startswith("Continuing:"))
            .order_by(BatchLog.id)
        ).all()
    return [int(MOVED.search(line).group(1)) for line in lines]


@pytest.mark.parametrize("mode", [Batch.MARK_EXPORTED, Batch.TRANSFER])
def test_a_zero_budget_stops_between_marks_and_the_follow_up_jobs_mark_each_once(
    app, connected, manage, qbo_server, run_jobs, mode
):
    state = manage[1]
    app.config.update(BATCH_TIME_BUDGET=0, MANAGE_MARK_CONCURRENCY=CONCURRENCY)
    batch_id = submit(app, row_ids(*NUMBERS), mode=mode)
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "succeeded", message
    moved = continued(app, batch_id)
    # Transfer: the first job takes the documents to QBO (one chunk, "in_qbo") and stops
    # before its first mark; in both modes every job after that marks at most IN_FLIGHT.
    marking = moved[1:] if mode == Batch.TRANSFER else moved
    if mode == Batch.TRANSFER:
        assert moved[0] == len(NUMBERS), moved
    assert marking and max(marking) <= IN_FLIGHT, moved
    # Every job but the last used up its budget: at least one per IN_FLIGHT marks.
    assert len(marking) + 1 >= math.ceil(len(NUMBERS) / IN_FLIGHT), moved
    with app.app_context():
        assert db.session.get(Batch, batch_id).runs == 1, "one run, carried by several jobs"

    # Exactly once: one Manage batch per invoice, its id read back; QBO only when sent.
    txs = transactions(app, batch_id)
    final = "skipped" if mode == Batch.MARK_EXPORTED else "batched"
    assert {t["state"] for t in txs.values()} == {final}, txs
    with state.lock:
        names = [b["batchIdentifier"] for b in state.batches.values()]
    assert len(names) == len(set(names)) == len(NUMBERS), names
    held = manage_batches(state)
    assert all(
        t["manage_batch_id"] == held[t["manage_batch_identifier"]]["id"] for t in txs.values()
    )
    docs = qbo_docs(qbo_server[0])
    if mode == Batch.MARK_EXPORTED:
        assert not any(docs.get(str(n)) for n in NUMBERS), "nothing sent to QBO"
    else:
        assert all(len(docs[str(n)]) == 1 for n in NUMBERS), "one QBO document per invoice"
