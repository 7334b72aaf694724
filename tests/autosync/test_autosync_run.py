"""AutoSync runs over both sandboxes with a real worker (spec J1): one bad transaction is set
aside with its reason while the rest go, admins get one e-mail for the run, and fixing the
mapping it needed makes the next run send it; AutoSync stays on throughout."""

from __future__ import annotations

import requests
from conftest import keep_invoices, turn_on
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import AuditEntry, AutoSyncSetting, Batch, ParkedTransaction, TaskRun, TaxMapping

NUMBERS = {"10011", "10012", "10013"}
QBO_TAX_CODE = "52"  # a combined sales-tax code of the US sandbox company


def break_tax_code(state) -> None:
    """Give #10011 a Manage tax code (GA-ATLANTA, id 77) that nothing maps."""
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        export = docs["10011"]["export"]
        export["taxCode"] = {"id": 77, "name": "GA-ATLANTA"}
        export["taxable"] = True
        for level in export.get("taxLevels") or []:
            level["taxCodeXref"] = "GA State"
        for line in export["detail"]:
            if line.get("taxCodeXref"):
                line["taxCodeXref"] = "GA State"
        if not export.get("taxLevels"):
            export["taxLevels"] = [{"taxLevel": 1, "taxCodeXref": "GA State"}]


def qbo_invoice_numbers(qbo_base_url: str) -> list[str]:
    url = f"{qbo_base_url}/_sandbox/entities/{QBO_US_REALM}/Invoice"
    return sorted(d.get("DocNumber") for d in requests.get(url, timeout=10).json())


def autosync_mails(outbox) -> list:
    return [m for m in outbox.messages() if m["Subject"].startswith("AutoSync of ")]


def test_bad_transaction_parked_rest_sent_one_mail_then_sent_after_the_fix(
    app, connected, manage, qbo_server, outbox, make_user, run_scheduled
):
    state = manage[1]
    keep_invoices(state, NUMBERS)
    break_tax_code(state)
    make_user("second-admin@example.com")
    make_user("member@example.com", role="member")
    turn_on(app)
    before = qbo_invoice_numbers(qbo_server[0])

    first = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, first)
        assert run.status == TaskRun.COMPLETED, run.message
        batches = db.session.scalars(db.select(Batch).where(Batch.kind == "invoices")).all()
        assert len(batches) == 1 and batches[0].identifier in run.message
        ident = batches[0].identifier
        parked = db.session.scalars(db.select(ParkedTransaction)).all()
        assert [(p.number, p.batch_id) for p in parked] == [("10011", batches[0].id)]
        assert "GA-ATLANTA" in parked[0].reason
        assert run.result["sent"] == 2 and run.result["failed"] == 1
    assert sorted(set(qbo_invoice_numbers(qbo_server[0])) - set(before)) == ["10012", "10013"]
    with app.app_context():
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.target == ident))
        assert (entry.action, entry.detail) == ("batch_run", "3 invoices by AutoSync")
    review = connected.get("/batches/review").get_data(as_text=True)
    assert ident in review, "an ordinary batch, listed in Review with its Batch ID"
    batch_log = connected.get(f"/batches/{ident}/log.txt").get_data(as_text=True)
    assert "Started by AutoSync of Default (every 120 min): 3 unposted invoices." in batch_log

    mails = autosync_mails(outbox)
    assert sorted(m["To"] for m in mails) == ["admin@example.com", "second-admin@example.com"]
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "1 transaction failed" in mails[0]["Subject"]
    assert "10011" in body and "GA-ATLANTA" in body and f"/batches/{ident}#tx-" in body
    assert "10012" not in body, "only the failures are listed"

    # Nothing changed: the next run leaves the parked invoice alone, makes no batch, no mail.
    second = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, second)
        assert run.result["waiting"] == 1 and run.result["batches"] == [], run.message
        assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == 1
    assert len(autosync_mails(outbox)) == 2

    # The admin maps the tax code: the next run sends the parked invoice, and only it.
    with app.app_context():
        db.session.add(
            TaxMapping(
                config_id=1,
                manage_tax_code_id="77",
                manage_tax_code_name="GA-ATLANTA",
                qbo_tax_code_id=QBO_TAX_CODE,
                qbo_tax_code_name="FL-HILLS",
            )
        )
        db.session.commit()
    third = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, third)
        assert run.result["sent"] == 1 and run.result["failed"] == 0, run.message
        assert db.session.scalars(db.select(ParkedTransaction)).all() == []
        assert db.session.get(AutoSyncSetting, 1).enabled, "AutoSync is still on"
    sent = [n for n in qbo_invoice_numbers(qbo_server[0]) if n not in before]
    assert sent == ["10011", "10012", "10013"], "each sent once"
    assert len(autosync_mails(outbox)) == 2, "no mail for a clean run"


def test_payments_start_a_payment_sync_run_and_a_clean_run_mails_nobody(
    app, connected, manage, outbox, run_scheduled
):
    keep_invoices(manage[1], {"10012"})
    turn_on(app, kinds=("invoices", "payments"))
    run_id = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        kinds = sorted(b.kind for b in db.session.scalars(db.select(Batch)))
        sync = db.session.scalar(db.select(Batch).where(Batch.kind == "payments"))
        assert run.result["sent"] == 1 and run.result["failed"] == 0, run.message
        assert f"Payment sync {sync.identifier} started." in run.message
    assert kinds == ["invoices", "payments"]
    assert autosync_mails(outbox) == []


def test_a_run_sends_only_its_own_location(app, connected, manage, qbo_server, run_scheduled):
    keep_invoices(manage[1], {"10001", "10002", "10003", "10006"})  # Tampa 1 and 6, Denver 2, 3
    turn_on(app)
    with app.app_context():
        setting = db.session.get(AutoSyncSetting, 1)
        setting.location_id, setting.location_name = "2", "Denver Branch"
        db.session.commit()
    before = qbo_invoice_numbers(qbo_server[0])
    run_id = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, run_id)
        batch = db.session.scalar(db.select(Batch).where(Batch.kind == "invoices"))
        assert run.result["sent"] == 2, run.message
        assert (batch.location_id, batch.location_name) == (2, "Denver Branch")
    sent = [n for n in qbo_invoice_numbers(qbo_server[0]) if n not in before]
    assert sent == ["10002", "10003"], "Tampa's invoices wait for their own AutoSync"
