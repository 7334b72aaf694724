"""Work proportional to change: CDC within the look-back, a full read otherwise, and a run's
QBO calls that do not grow with the number of untouched transferred invoices."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from payments_support import sync

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, PaymentSyncSetting
from cwqbo.models.user import utcnow


def qbo_calls(run) -> int:
    return int(re.search(r"QuickBooks (\d+)\.", run.message).group(1))


def seed_untouched(app, count: int, start: int) -> None:
    """Record ``count`` more transferred invoices QBO has not changed since the last run."""
    with app.app_context():
        batch = Batch(kind="invoices", config_id=1, status=Batch.SUCCEEDED)
        db.session.add(batch)
        db.session.flush()
        batch.assign_identifier()
        for n in range(count):
            db.session.add(
                BatchTransaction(
                    batch_id=batch.id,
                    position=n,
                    kind="invoices",
                    manage_id=str(start + n),
                    manage_record_id=str(start + n),
                    number=str(start + n),
                    state=BatchTransaction.BATCHED,
                    qbo_entity="Invoice",
                    qbo_id=str(start + n),
                )
            )
        db.session.commit()


def test_qbo_calls_do_not_grow_with_untouched_invoices(transferred, app, run_jobs):
    books = transferred
    assert sync(app, run_jobs).status == "succeeded"  # first run: full read, sets the watermark
    books.pay({"10002": Decimal("10.00")}, day="2026-11-10")
    few = sync(app, run_jobs)
    assert few.status == "succeeded", few.message
    seed_untouched(app, 400, 900000)
    books.pay({"10002": Decimal("20.00")}, day="2026-11-11")
    many = sync(app, run_jobs)
    assert many.status == "succeeded", many.message
    assert "changes since" in few.message and "changes since" in many.message
    assert qbo_calls(many) == qbo_calls(few) <= 4
    assert books.manage("10002")["paid"] == Decimal("30.00")


def test_a_watermark_older_than_30_days_reads_every_transferred_invoice(transferred, app, run_jobs):
    books = transferred
    assert sync(app, run_jobs).status == "succeeded"
    with app.app_context():
        setting = db.session.get(PaymentSyncSetting, 1)
        setting.watermark = utcnow() - timedelta(days=31)
        db.session.commit()
    books.pay({"10012": Decimal("60.00")}, day="2026-10-20")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    assert "beyond QuickBooks' 30-day change look-back" in run.message
    assert books.manage("10012")["payments"] == [(Decimal("60.00"), "2026-10-20")]
    with app.app_context():  # the new watermark is this run's start
        assert utcnow() - db.session.get(PaymentSyncSetting, 1).watermark < timedelta(minutes=1)
        assert db.session.get(PaymentSyncSetting, 1).last_run_id == run.id
