"""Unbatch (D8/J3), retry (D9), mark as already exported (D10) and the dry run (J2)."""

from __future__ import annotations

import pytest
from transfer_support import (
    batch_status,
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
    unposted_numbers,
)

from cwqbo.batches import service
from cwqbo.batches.service import SelectionError
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog, BatchTransaction, QBOConfiguration


def qbo_snapshot(qbo_state) -> dict:
    """Every record of every QBO sandbox company, with its SyncToken."""
    with qbo_state.lock:
        return {
            (realm, entity, rid): row.get("SyncToken")
            for realm, company in qbo_state.companies.items()
            for entity, rows in company.rows.items()
            for rid, row in rows.items()
        }


def tx_row(app, batch_id, number):
    return db.session.scalar(
        db.select(BatchTransaction).where(
            BatchTransaction.batch_id == batch_id, BatchTransaction.number == number
        )
    )


@pytest.mark.parametrize("void", [True, False], ids=["and-void", "keep-qbo"])
def test_unbatch_returns_the_invoice_to_manage_and_can_void_it(
    app, connected, manage, qbo_server, run_jobs, void
):
    state = manage[1]
    batch_id = submit(app, row_ids(10012, 10013))
    run_jobs()
    with app.app_context():
        service.unbatch(tx_row(app, batch_id, "10012"), void=void, user_id=None)
        logs = db.session.scalars(db.select(BatchLog.message)).all()
    assert "10012" in unposted_numbers(state)
    assert "10013" not in unposted_numbers(state)
    assert not any(i.endswith("-I10012") for i in manage_batches(state))
    (doc,) = qbo_docs(qbo_server[0])["10012"]
    if void:
        assert doc["TotalAmt"] == 0 and "Voided" in doc.get("PrivateNote", "")
    else:
        assert doc["TotalAmt"] > 0
    assert transactions(app, batch_id)["10012"]["state"] == "unbatched"
    assert any("10012 unbatched" in line for line in logs), logs
    if void:
        assert any("voided" in line for line in logs)

    # Once unbatched it can be selected and sent again.
    again = submit(app, row_ids(10012))
    run_jobs()
    again_tx = transactions(app, again)["10012"]
    assert again_tx["state"] == "batched", again_tx["message"]
    docs = qbo_docs(qbo_server[0])["10012"]
    if void:  # a new invoice beside the voided one
        assert len(docs) == 2 and sorted(d["TotalAmt"] == 0 for d in docs) == [False, True]
    else:  # the kept QBO invoice is used again, never a second one
        assert len(docs) == 1
        assert transactions(app, again)["10012"]["qbo_id"] == doc["Id"]


def test_unbatch_refuses_a_transaction_that_is_not_batched(app, connected, manage, run_jobs):
    manage[1].docs  # noqa: B018 - the sandbox is connected
    batch_id = submit(app, row_ids(10004))  # CAD: fails validation in the US company
    run_jobs()
    with app.app_context(), pytest.raises(SelectionError, match="batched"):
        service.unbatch(tx_row(app, batch_id, "10004"), void=True, user_id=None)


def test_retry_after_fixing_the_mapping_sends_only_the_failed(
    app, connected, manage, qbo_server, run_jobs
):
    batch_id = submit(app, row_ids(10004, 10012))
    run_jobs()
    assert transactions(app, batch_id)["10004"]["state"] == "failed"
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        service.retry(db.session.get(Batch, batch_id), None)
        # Still failing (nothing was fixed): retried once, fails again with its problems.
    run_jobs()
    txs = transactions(app, batch_id)
    assert txs["10004"]["state"] == "failed" and txs["10004"]["problems"]
    assert txs["10012"]["state"] == "batched"
    assert len(qbo_docs(qbo_server[0])["10012"]) == 1
    assert batch_status(app, batch_id)[0] == "failed"
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        assert config is not None
        with pytest.raises(SelectionError):
            service.retry(db.session.get(Batch, submit(app, row_ids(10013))), None)


def test_mark_as_already_exported_batches_in_manage_and_sends_nothing(
    app, connected, manage, qbo_server, run_jobs
):
    state = manage[1]
    before = qbo_docs(qbo_server[0])
    batch_id = submit(app, row_ids(10014, 10015), mode=Batch.MARK_EXPORTED)
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert {t["state"] for t in transactions(app, batch_id).values()} == {"skipped"}
    assert qbo_docs(qbo_server[0]) == before
    assert not {"10014", "10015"} & unposted_numbers(state)
    assert len(manage_batches(state)) == 2


def test_preview_shows_everything_and_writes_nothing(app, connected, manage, qbo_server):
    state, qbo_state = manage[1], qbo_server[1]
    before = qbo_snapshot(qbo_state)
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        result = service.preview(
            "invoices", config, row_ids(10001, 10004, 10012, 10027), invoice_detail="detailed"
        )
        assert db.session.scalar(db.select(db.func.count(Batch.id))) == 0
    assert qbo_snapshot(qbo_state) == before, "the dry run changed QuickBooks"
    assert not manage_batches(state)
    docs = {d["number"]: d for d in result.documents}
    assert docs["10001"]["skip_reason"]
    assert docs["10004"]["problems"] and docs["10027"]["problems"]
    assert docs["10012"]["body"]["DocNumber"] == "10012" and docs["10012"]["lines"]
    assert result.problems == 2 and result.skipped == 1
    assert any(c["entity"] == "Customer" for c in result.creates)
