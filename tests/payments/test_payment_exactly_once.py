"""Exactly once: the worker is SIGKILLed right after Manage recorded a payment and before
cwqbo heard back; the sweeper resumes the run, which reads the invoice's payments in Manage
before writing again, so no payment lands twice."""

from __future__ import annotations

import os
import signal
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from support import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batches"))
from worker_support import FAST_RECOVERY, KillAfter, Processes, alive, children, sender_pid  # noqa: E402

from cwqbo.batches.payment_run import start_payment_sync  # noqa: E402
from cwqbo.extensions import db  # noqa: E402
from cwqbo.models import Batch, BatchLog, BatchTransaction, PaymentLink, QBOConfiguration  # noqa: E402

D = Decimal


def is_payment_post(environ, body):
    return environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/payments")


@pytest.mark.parametrize("single", [False, True], ids=["multiple", "single"])
def test_a_worker_killed_after_a_manage_write_writes_it_once(
    app, app_config, transferred, manage, cw_server, redis_conn, tmp_path, single
):
    books = transferred
    manage[1].single_payment_per_invoice = single
    config = {**app_config, **FAST_RECOVERY, "PAYMENTS_MULTIPLE_PER_INVOICE": not single}
    procs = Processes(config, app, tmp_path)
    t2 = books.total("10002")
    books.pay({"10002": t2, "10003": D("300.00"), "10012": D("60.00")}, day="2026-11-20")
    with app.app_context():
        run_id = start_payment_sync(db.session.get(QBOConfiguration, 1), None).id
    workers = {}

    def kill(environ):
        horse = sender_pid(environ)
        assert horse in children(workers["first"].pid), "the sender is the worker's work-horse"
        os.kill(horse, signal.SIGKILL)
        return [horse]

    server = cw_server[1]
    hook = KillAfter(server.app, is_payment_post, kill, nth=2)
    inner, server.app = server.app, hook
    try:
        procs.scheduler()
        workers["first"] = procs.worker()
        wait_for(lambda: hook.killed, 90, f"the SIGKILL\n{procs.logs()}")
        assert not alive(hook.killed[0])
        with app.app_context():  # the intent of the killed write is all cwqbo knows of it
            states = sorted(db.session.scalars(db.select(PaymentLink.state)))
        assert states == ["writing", "written"], states

        def ended():
            with app.app_context():
                return db.session.get(Batch, run_id).status in Batch.ENDED

        wait_for(ended, 60, f"the run to finish by itself\n{procs.logs()}")
    finally:
        server.app = inner
        procs.stop()
    with app.app_context():
        run = db.session.get(Batch, run_id)
        assert run.status == "succeeded", run.message
        logs = list(
            db.session.scalars(db.select(BatchLog.message).where(BatchLog.batch_id == run_id))
        )
        messages = list(
            db.session.scalars(
                db.select(BatchTransaction.message).where(BatchTransaction.batch_id == run_id)
            )
        )
    assert books.manage("10002")["payments"] == [(t2, "2026-11-20")]
    assert books.manage("10003")["payments"] == [(D("300.00"), "2026-11-20")]
    assert books.manage("10012")["payments"] == [(D("60.00"), "2026-11-20")]
    assert any(line.startswith("Resumed automatically") for line in logs), logs
    assert any("not written again" in m for m in messages), messages
