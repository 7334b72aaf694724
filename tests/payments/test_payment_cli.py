"""flask payment-sync (spec I4): brings QBO payments to Manage, exit 1 when one is flagged."""

from __future__ import annotations

from decimal import Decimal

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, Batch

D = Decimal


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_payment_sync_brings_payments_and_exits_0(transferred, app):
    books = transferred
    books.pay({"10002": D("100.00")}, day="2026-11-10")
    result = cli(app, "payment-sync", "--config", "Default")
    assert result.exit_code == 0, result.output
    assert ": payment sync of Default" in result.output
    assert "ended:" in result.output and "Status page: http://localhost/batches/" in result.output
    assert books.manage("10002")["paid"] == D("100.00")
    with app.app_context():
        run = db.session.scalar(db.select(Batch).where(Batch.kind == "payments"))
        assert run.status == Batch.SUCCEEDED
        entry = db.session.scalar(
            db.select(AuditEntry).where(AuditEntry.target == f"payment sync {run.identifier}")
        )
        assert entry.action == "batch_run" and "from the CLI" in entry.detail


def test_payment_sync_exits_1_when_an_invoice_needs_attention(transferred, app, run_jobs):
    books = transferred
    books.pay({"10003": D("300.00")}, day="2026-11-10")
    assert cli(app, "payment-sync").exit_code == 0
    books.delete_payment_of("10003")
    invoice = books.invoice("10003")
    books.qbo(lambda c: c.void("Invoice", invoice["Id"], invoice["SyncToken"], "test-void"))
    result = cli(app, "payment-sync")
    assert result.exit_code == 1, result.output
    assert "1 flagged and left alone" in result.output
    assert "FAILED 10003" in result.output


def test_payment_sync_of_a_configuration_not_connected(app, admin):
    result = cli(app, "payment-sync")
    assert result.exit_code == 1
    assert "is not connected to QuickBooks Online; connect it first." in result.output
