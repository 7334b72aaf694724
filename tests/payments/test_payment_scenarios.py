"""J4 scenarios over real HTTP: QBO payments land on the Manage sandbox's invoices, in both
payment modes (``multiple``: one Manage payment per QBO payment; ``single``: a Manage that
refuses a second payment per invoice gets one summed payment)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payments_support import sync

from cwqbo.extensions import db
from cwqbo.models import BatchAction

D = Decimal
ZERO = D("0.00")


def writes(app, run) -> list[str]:
    """Return the labels of the Manage writes a run made."""
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(BatchAction.label).where(
                    BatchAction.batch_id == run.id, BatchAction.section == "payments"
                )
            )
        )


def test_full_payment(transferred, mode, app, run_jobs):
    books = transferred
    total = books.total("10002")
    books.pay({"10002": total}, day="2026-11-20")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    paid = books.manage("10002")
    assert (paid["paid"], paid["balance"]) == (total, ZERO)
    assert paid["payments"] == [(total, "2026-11-20")]
    assert books.manage("10003")["paid"] == ZERO
    assert "first run" in run.message


def test_partial_then_the_rest(transferred, mode, app, run_jobs):
    books = transferred
    total = books.total("10002")
    books.pay({"10002": D("100.00")}, day="2026-11-10")
    first = sync(app, run_jobs)
    assert first.status == "succeeded", first.message
    assert books.manage("10002")["paid"] == D("100.00")
    assert books.manage("10002")["balance"] == total - D("100.00")
    books.pay({"10002": total - D("100.00")}, day="2026-11-25")
    second = sync(app, run_jobs)
    assert second.status == "succeeded", second.message
    assert "changes since" in second.message  # the CDC path, not a full read
    paid = books.manage("10002")
    assert (paid["paid"], paid["balance"]) == (total, ZERO)
    if mode == "multiple":
        assert paid["payments"] == [(D("100.00"), "2026-11-10"), (total - 100, "2026-11-25")]
    else:  # one summed payment, dated when the invoice was paid in full
        assert paid["payments"] == [(total, "2026-11-25")]


def test_one_payment_over_three_invoices(transferred, mode, app, run_jobs):
    books = transferred
    t2, t3 = books.total("10002"), books.total("10003")
    books.pay({"10002": t2, "10003": t3, "10012": D("60.00")}, day="2026-11-18")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    assert books.manage("10002")["payments"] == [(t2, "2026-11-18")]
    assert books.manage("10003")["payments"] == [(t3, "2026-11-18")]
    assert books.manage("10012")["payments"] == [(D("60.00"), "2026-11-18")]
    assert books.manage("10012")["balance"] == books.total("10012") - D("60.00")


def test_a_payment_deleted_or_changed_in_qbo(transferred, mode, app, run_jobs):
    books = transferred
    t2 = books.total("10002")
    full = books.pay({"10002": t2}, day="2026-11-20")
    part = books.pay({"10003": D("500.00")}, day="2026-11-20")
    assert sync(app, run_jobs).status == "succeeded"
    assert books.manage("10002")["paid"] == t2
    books.delete_payment(full)
    books.change_payment(part, "10003", D("200.00"))
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    assert books.manage("10002") | {"ids": []} == {
        "paid": ZERO,
        "balance": t2,
        "payments": [],
        "ids": [],
    }
    assert books.manage("10003")["payments"] == [(D("200.00"), "2026-11-20")]


def test_a_credit_memo_applied(transferred, mode, app, run_jobs):
    books = transferred
    t2 = books.total("10002")
    books.credit("10002", D("45.50"), day="2026-11-21")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    assert books.manage("10002")["paid"] == D("45.50")
    books.pay({"10002": t2 - D("45.50")}, day="2026-11-28")
    assert sync(app, run_jobs).status == "succeeded"
    paid = books.manage("10002")
    assert (paid["paid"], paid["balance"]) == (t2, ZERO)
    if mode == "multiple":
        assert paid["payments"] == [(D("45.50"), "2026-11-21"), (t2 - D("45.50"), "2026-11-28")]
    else:
        assert paid["payments"] == [(t2, "2026-11-28")]


def test_an_overpayment_leaves_the_credit_in_qbo(transferred, mode, app, run_jobs):
    books = transferred
    t2 = books.total("10002")
    books.pay({"10002": t2}, total=t2 + D("50.00"), day="2026-11-20")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    paid = books.manage("10002")
    assert (paid["paid"], paid["balance"], paid["payments"]) == (t2, ZERO, [(t2, "2026-11-20")])
    assert "Left alone: 1 unapplied credit" in run.message
    from cwqbo.batches.report import log_text

    with app.app_context():
        from cwqbo.models import Batch

        assert "leaves 50.00 unapplied" in log_text(db.session.get(Batch, run.id))


def test_a_second_run_changes_nothing(transferred, mode, app, run_jobs):
    books = transferred
    books.pay({"10002": D("100.00")}, day="2026-11-10")
    books.pay({"10002": D("20.00")}, day="2026-11-12")
    first = sync(app, run_jobs)
    assert first.status == "succeeded", first.message
    before = books.manage("10002")
    assert before["paid"] == D("120.00")
    second = sync(app, run_jobs)
    assert second.status == "succeeded", second.message
    assert books.manage("10002") == before  # the same payments, same ids
    assert writes(app, second) == []
    assert second.message.startswith("Nothing changed in ConnectWise")


@pytest.mark.parametrize("how", ["void", "delete"])
def test_a_voided_or_deleted_invoice_is_flagged_not_guessed(transferred, mode, app, run_jobs, how):
    books = transferred
    books.pay({"10003": D("300.00")}, day="2026-11-10")
    assert sync(app, run_jobs).status == "succeeded"
    books.delete_payment_of("10003")
    invoice = books.invoice("10003")
    change = books.qbo(lambda c: getattr(c, how))
    books.qbo(lambda c: change("Invoice", invoice["Id"], invoice["SyncToken"], f"test-{how}"))
    run = sync(app, run_jobs)
    assert run.status == "failed"
    assert "1 flagged and left alone" in run.message
    assert books.manage("10003")["paid"] == D("300.00")  # not guessed at
    with app.app_context():
        from cwqbo.models import BatchTransaction

        row = db.session.scalar(
            db.select(BatchTransaction).where(
                BatchTransaction.batch_id == run.id, BatchTransaction.number == "10003"
            )
        )
        word = {"void": "voided", "delete": "deleted"}[how]
        assert f"The invoice was {word} in QuickBooks" in row.message


def test_a_manage_that_keeps_one_payment_gets_one_summed_payment(
    transferred, app, manage, run_jobs
):
    """cwqbo set to one payment per QBO payment, on a Manage that refuses a second one."""
    books = transferred
    manage[1].single_payment_per_invoice = True
    app.config["PAYMENTS_MULTIPLE_PER_INVOICE"] = True
    t2 = books.total("10002")
    books.pay({"10002": D("100.00")}, day="2026-11-10")
    assert sync(app, run_jobs).status == "succeeded"
    books.pay({"10002": t2 - D("100.00")}, day="2026-11-25")
    run = sync(app, run_jobs)
    assert run.status == "succeeded", run.message
    assert books.manage("10002")["payments"] == [(t2, "2026-11-25")]
    with app.app_context():
        from cwqbo.models import BatchTransaction

        row = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == run.id)
        )
        assert "one summed payment was written instead" in row.message
