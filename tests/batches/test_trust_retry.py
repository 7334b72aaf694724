"""Retry never adopts what another batch sent, and summaries describe the whole batch.

Issue 13 §5 and §6, over both sandboxes with a real worker.
"""

from __future__ import annotations

import re

import pytest
from pages_support import text
from transfer_support import (
    batch_status,
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
)

from cwqbo.batches import report, service
from cwqbo.extensions import db
from cwqbo.models import Batch

TXS = r"transaction(?:s|\(s\))"


def break_account(state, number: str) -> tuple[dict, str]:
    """Point one line of a sample invoice at an account QBO lacks; return (line, old)."""
    with state.lock:
        docs = {d["export"]["documentNumber"]: d for d in state.docs["invoices"].values()}
        line = next(ln for ln in docs[number]["export"]["detail"] if ln["glTypeId"] != "ST")
        old = line["accountNumber"]
        line["accountNumber"] = "Income:Services:Nowhere"
    return line, old


def identifier(app, batch_id: int) -> str:
    with app.app_context():
        return db.session.get(Batch, batch_id).identifier


@pytest.mark.parametrize("mode", [Batch.TRANSFER, Batch.MARK_EXPORTED], ids=["sent", "marked"])
def test_retry_does_not_adopt_what_a_later_batch_took(
    app, connected, manage, qbo_server, run_jobs, mode
):
    state = manage[1]
    line, old = break_account(state, "10010")
    batch_a = submit(app, row_ids(10010, 10012))
    run_jobs()
    assert transactions(app, batch_a)["10010"]["state"] == "failed"

    with state.lock:
        line["accountNumber"] = old  # fixed in Manage; the user sends it in a new batch
    batch_b = submit(app, row_ids(10010), mode=mode)
    run_jobs()
    sent_b = transactions(app, batch_b)["10010"]
    assert sent_b["state"] == ("batched" if mode == Batch.TRANSFER else "skipped")
    docs_before = qbo_docs(qbo_server[0]).get("10010", [])
    batches_before = manage_batches(state)

    with app.app_context():
        service.retry(db.session.get(Batch, batch_a), None)
    run_jobs()

    tx = transactions(app, batch_a)["10010"]
    b_ident = identifier(app, batch_b)
    assert tx["state"] == "elsewhere", tx
    verb = "Sent" if mode == Batch.TRANSFER else "Marked as already exported"
    assert tx["message"] == f"{verb} in batch {b_ident}."
    assert tx["qbo_id"] is None and tx["manage_batch_id"] is None, "never adopted by A"
    assert qbo_docs(qbo_server[0]).get("10010", []) == docs_before
    assert manage_batches(state) == batches_before
    status, message = batch_status(app, batch_a)
    assert status == "succeeded", message  # nothing left to fix in A
    assert re.match(  # "transaction(s)" or, worded, "transactions"
        rf"1 of 2 {TXS} completed over 2 runs; 1 sent or marked in another batch\.", message
    ), message

    a_ident = identifier(app, batch_a)
    html = connected.get(f"/batches/{a_ident}").get_data(as_text=True)
    row = re.search(r'<tr id="tx-\d+" class="tx tx-elsewhere">.*?</tr>', html, re.S).group(0)
    assert f'href="/batches/{b_ident}"' in row
    assert f"{verb} in batch {b_ident}" in text(row)
    assert "Unbatch" not in row
    assert "In another batch" in text(row)
    assert "1 sent in another batch" in text(html)

    # Retry has nothing left to do in A.
    with app.app_context(), pytest.raises(service.SelectionError, match="nothing to retry"):
        service.retry(db.session.get(Batch, batch_a), None)


def test_summary_and_log_describe_every_run(app, connected, manage, qbo_server, run_jobs):
    state = manage[1]
    numbers = list(range(10010, 10020))
    line, old = break_account(state, "10010")
    batch_id = submit(app, row_ids(*numbers))
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "failed"
    assert re.match(rf"9 of 10 {TXS} completed; 1 need attention\.", message), message

    with state.lock:
        line["accountNumber"] = old
    with app.app_context():
        service.retry(db.session.get(Batch, batch_id), None)
    run_jobs()
    status, message = batch_status(app, batch_id)
    assert status == "succeeded", message
    assert re.match(rf"All 10 {TXS} completed over 2 runs\.", message), message

    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        log = report.log_text(batch)
        counts = report.progress(batch)
    starts = re.findall(r"^Run (\d) started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$", log, re.M)
    assert [n for n, _ in starts] == ["1", "2"], log
    assert starts[0][1] <= starts[1][1]
    assert "Transactions: 10; batched 10; failed 0; in another batch 0; unfinished 0" in log
    assert (counts.tx_total, counts.tx_done, counts.tx_batched) == (10, 10, 10)
    page = text(connected.get(f"/batches/{identifier(app, batch_id)}").get_data(as_text=True))
    assert "10 of 10 invoices finished · 10 batched" in page
