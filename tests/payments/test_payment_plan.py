"""What each Manage invoice should hold, from QBO's invoice and payments (pure functions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cwqbo.transfer.payments.plan import Entry, Link, steps, wanted

D = Decimal
TODAY = date(2026, 12, 1)


def invoice(total, balance, **extra) -> dict:
    return {"Id": "7", "DocNumber": "10002", "TotalAmt": total, "Balance": balance, **extra}


def payment(pid, day, *lines, unapplied=0) -> dict:
    return {
        "Id": pid,
        "TxnDate": day,
        "UnappliedAmt": unapplied,
        "Line": [
            {"Amount": amount, "LinkedTxn": [{"TxnId": txn, "TxnType": kind}]}
            for amount, txn, kind in lines
        ],
    }


def test_one_payment_per_qbo_payment_or_one_summed():
    pays = {
        "1": payment("1", "2026-11-01", (40, "7", "Invoice"), (60, "8", "Invoice")),
        "2": payment("2", "2026-11-05", (10, "7", "Invoice")),
    }
    many = wanted(invoice(100, 50), pays, multiple=True, today=TODAY)
    assert many.paid == D("50.00")
    assert [(e.source, e.amount, e.paid_on) for e in many.entries] == [
        ("Payment:1", D("40.00"), date(2026, 11, 1)),
        ("Payment:2", D("10.00"), date(2026, 11, 5)),
    ]
    one = wanted(invoice(100, 50), pays, multiple=False, today=TODAY)
    assert [(e.source, e.amount, e.paid_on) for e in one.entries] == [
        ("total", D("50.00"), date(2026, 11, 5))
    ]
    assert one.entries[0].qbo_txns == ("Payment:1", "Payment:2")


def test_paid_by_something_that_is_not_a_payment():
    pays = {"1": payment("1", "2026-11-01", (30, "7", "Invoice"))}
    want = wanted(invoice(100, 20), pays, multiple=True, today=TODAY)
    assert [(e.source, e.amount) for e in want.entries] == [
        ("Payment:1", D("30.00")),
        ("other", D("50.00")),
    ]


def test_unapplied_credit_is_noted_and_left_in_qbo():
    pays = {"1": payment("1", "2026-11-01", (100, "7", "Invoice"), unapplied=25)}
    want = wanted(invoice(100, 0), pays, multiple=True, today=TODAY)
    assert [(e.amount) for e in want.entries] == [D("100.00")]
    assert want.notes == [
        "QuickBooks payment 1 leaves 25.00 unapplied (a customer credit): nothing of it is "
        "written to ConnectWise."
    ]


def test_voided_and_deleted_invoices_are_flagged():
    voided = wanted(invoice(0, 0, PrivateNote="Voided"), {}, multiple=True, today=TODAY)
    deleted = wanted(None, {}, multiple=True, today=TODAY)
    assert "voided" in voided.flag and not voided.entries
    assert "deleted" in deleted.flag and not deleted.entries


def test_steps_delete_first_and_keep_what_matches():
    keep = Link(1, "Payment:1", D("40.00"), date(2026, 11, 1), 501, "written")
    stale = Link(2, "Payment:2", D("10.00"), date(2026, 11, 5), 502, "written")
    entries = [
        Entry("Payment:1", D("40.00"), date(2026, 11, 1)),
        Entry("Payment:2", D("15.00"), date(2026, 11, 5)),
    ]
    plan = steps(entries, [keep, stale])
    assert [(s.op, (s.link or s.entry).source) for s in plan] == [
        ("delete", "Payment:2"),
        ("create", "Payment:2"),
    ]
    assert steps(entries[:1], [keep]) == []
