"""The example module (examples/cwqbo_example_module) changes what QBO receives and blocks."""

from __future__ import annotations

import requests
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import BatchTransaction
from tests.batches.transfer_support import row_ids
from tests.batches.transfer_support import submit as submit_ids


def submit(app, numbers) -> int:
    return submit_ids(app, row_ids(*numbers))


def rows(app, batch_id) -> dict[str, BatchTransaction]:
    with app.app_context():
        found = db.session.scalars(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
        ).all()
        db.session.expunge_all()
        return {r.number: r for r in found}


def qbo_invoices(base_url) -> dict[str, dict]:
    url = f"{base_url}/_sandbox/entities/{QBO_US_REALM}/Invoice"
    return {d["DocNumber"]: d for d in requests.get(url, timeout=10).json()}


def test_example_module_is_found_by_its_entry_point(example_module):
    loaded = {m["name"]: m for m in example_module.loaded()}
    assert loaded["example"]["target"] == "cwqbo_example_module"
    assert loaded["example"]["hooks"] == [
        "cwqbo_batch_ended",
        "cwqbo_payload",
        "cwqbo_validate",
    ]
    assert example_module.broken == []


def test_payload_hook_changes_what_qbo_receives_and_hold_rule_blocks(
    app, connected, manage, qbo_server, run_jobs, example_module
):
    state = manage[1]
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        docs["10013"]["export"]["memo"] = "HOLD: waiting for the customer's approval"
    batch_id = submit(app, [10012, 10013, 10014])
    run_jobs()

    txs = rows(app, batch_id)
    assert txs["10012"].state == txs["10014"].state == "batched"
    invoices = qbo_invoices(qbo_server[0])
    for number in ("10012", "10014"):
        note = invoices[number]["PrivateNote"]
        assert f"Sent by cwqbo (example module): Invoice from ConnectWise {number}" in note

    held = txs["10013"]
    assert held.state == "failed"
    assert "10013" not in invoices, "a held invoice is never sent"
    (problem,) = held.problems
    assert problem["message"] == "Invoice 10013 is on hold (its memo says HOLD)."
    assert "Take HOLD out of the invoice's memo" in problem["fix"]
    assert "10013" in {r["invoiceNumber"] for r in state.unposted("invoices")}


def test_without_the_module_nothing_is_added(app, connected, manage, qbo_server, run_jobs):
    batch_id = submit(app, [10012])
    run_jobs()
    assert rows(app, batch_id)["10012"].state == "batched"
    assert "example module" not in (qbo_invoices(qbo_server[0])["10012"].get("PrivateNote") or "")
