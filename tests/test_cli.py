"""flask commands (spec I4): each one, with its exit code when something fails."""

from __future__ import annotations

from datetime import datetime

import pytest
from support import QBO_US_REALM, connect_qbo, qbo_settings

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, Batch, BatchTransaction, User


@pytest.fixture
def app_config(app_config, qbo_server):
    return {**app_config, **qbo_settings(qbo_server[0]), "API_RETRY_BACKOFF": 0.01}


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=list(args), **kw)


@pytest.fixture
def connected(admin, manage):
    connect_qbo(admin, config_id=1, realm=QBO_US_REALM)
    return manage


def keep_only(state, *numbers: str) -> None:
    """Leave only these sample invoices unposted in Manage (the rest of the sample has CAD
    invoices the US company refuses, which other tests cover)."""
    with state.lock:
        docs = state.docs["invoices"]
        for row_id in [k for k, d in docs.items() if d["export"]["documentNumber"] not in numbers]:
            del docs[row_id]


def unposted(state) -> set[str]:
    return {row["invoiceNumber"] for row in state.unposted("invoices")}


def test_create_admin(cli, app):
    result = cli(
        "create-admin",
        "--email",
        "Boss@Example.com",
        "--name",
        "Boss",
        "--password",
        "a long enough password",
    )
    assert result.exit_code == 0, result.output
    assert "Admin boss@example.com created." in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "boss@example.com"))
        assert user.is_admin and user.email_verified_at is not None

    again = cli(
        "create-admin",
        "--email",
        "boss@example.com",
        "--name",
        "B",
        "--password",
        "a long enough password",
    )
    assert again.exit_code == 2 and "boss@example.com already has an account." in again.output
    short = cli("create-admin", "--email", "x@example.com", "--name", "X", "--password", "short")
    assert short.exit_code == 2 and "The password needs at least" in short.output


def test_queues_shows_queues_workers_and_scheduler(cli):
    result = cli("queues")
    assert result.exit_code == 0, result.output
    assert "queue transfers: 0 queued, 0 running, 0 failed" in result.output
    assert "workers: 0" in result.output
    assert "scheduler: never seen" in result.output


def test_run_batch_sends_every_unposted_invoice(cli, app, connected):
    state = connected[1]
    keep_only(state, "10012", "10013", "10014", "10018")
    before = unposted(state)
    assert len(before) == 4
    with app.app_context():  # the configuration's invoice detail is the default
        from cwqbo.models import ConfigurationOptions

        options = db.session.get(ConfigurationOptions, 1) or ConfigurationOptions(config_id=1)
        options.invoice_detail = "detailed"
        db.session.add(options)
        db.session.commit()
    result = cli("run-batch", "invoices")
    assert result.exit_code == 0, result.output
    assert f": {len(before)} invoices to QuickBooks company" in result.output
    assert f"{len(before)} of {len(before)} done, 0 failed, 0 to go" in result.output
    assert f"All {len(before)} transactions completed." in result.output
    assert unposted(state) == set(), "every invoice is batched in Manage"
    with app.app_context():
        batch = db.session.scalar(db.select(Batch))
        assert batch.status == Batch.SUCCEEDED and batch.invoice_detail == "detailed"
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "batch_run"))
        assert entry.target == batch.identifier and "from the CLI" in entry.detail

    again = cli("run-batch", "invoices")
    assert again.exit_code == 0, again.output
    assert "No unposted invoices to send." in again.output


def test_run_batch_exits_1_naming_what_failed(cli, app, connected):
    state = connected[1]
    keep_only(state, "10010", "10012")
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        line = next(ln for ln in docs["10010"]["export"]["detail"] if ln["glTypeId"] != "ST")
        line["accountNumber"] = "Income:Services:Nowhere"
    result = cli("run-batch", "invoices", "--config", "1")
    assert result.exit_code == 1, result.output
    assert "FAILED 10010:" in result.output and "Income:Services:Nowhere" in result.output
    assert "1 need attention" in result.output
    assert "Status page: http://localhost/batches/INV-" in result.output
    assert unposted(state) == {"10010"}
    with app.app_context():
        tx = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.number == "10010")
        )
        assert tx.state == "failed"


def test_run_batch_refuses_what_it_cannot_do(cli, app, connected):
    unknown = cli("run-batch", "invoices", "--config", "Nowhere Ltd")
    assert unknown.exit_code == 2
    assert "No configuration is called 'Nowhere Ltd'. Use one of: 1 (" in unknown.output
    kind = cli("run-batch", "payments")
    assert kind.exit_code == 2 and "'payments' is not one of" in kind.output


def test_run_batch_without_manage_says_so(cli, app):
    result = cli("run-batch", "invoices")
    assert result.exit_code == 1
    assert "ConnectWise could not list the unposted invoices" in result.output


def test_purge_audit_by_date(cli, app):
    with app.app_context():
        for day in (1, 2, 20):
            db.session.add(AuditEntry(action="login", at=datetime(2026, 3, day), target="x"))
        db.session.commit()
    refused = cli("purge-audit", "--before", "2026-03-10", input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    result = cli("purge-audit", "--before", "2026-03-10", "--yes")
    assert result.exit_code == 0, result.output
    assert "2 audit entries before 2026-03-10 deleted." in result.output
    with app.app_context():
        actions = sorted(db.session.scalars(db.select(AuditEntry.action)).all())
    assert actions == ["audit_purged", "login"], "the purge itself is recorded"
    bad = cli("purge-audit", "--before", "10/03/2026", "--yes")
    assert bad.exit_code == 2 and "does not match the format" in bad.output
