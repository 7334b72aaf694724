"""When Manage exports fewer invoices than asked for, each missing one fails saying so.

Through the real runner (worker, both sandboxes over HTTP): never a silent success or skip.
"""

from __future__ import annotations

from transfer_support import (
    batch_status,
    manage_batches,
    qbo_docs,
    row_ids,
    submit,
    transactions,
    unposted_numbers,
)


def test_a_tenant_expecting_other_ids_fails_every_invoice_saying_so(
    app, connected, manage, qbo_server, run_jobs
):
    _base_url, state, _faults = manage
    state.set_export_id_fields({"invoices": "id"})  # Manage selects by another id
    numbers = ("10012", "10013", "10014")
    batch_id = submit(app, row_ids(*map(int, numbers)))
    run_jobs()

    txs = transactions(app, batch_id)
    assert set(txs) == set(numbers)
    for number in numbers:
        assert txs[number]["state"] == "failed", txs[number]
        message = txs[number]["message"]
        assert message.startswith("ConnectWise exported 0 of 3 invoices asked for: "), message
        assert f"Invoice {number} was not in the export" in message
        assert "billingLogId" in message
    assert batch_status(app, batch_id)[0] == "failed"
    assert not set(numbers) & set(qbo_docs(qbo_server[0])), "nothing reached QBO"
    assert manage_batches(state) == {}
    assert set(numbers) <= unposted_numbers(state)


def test_one_invoice_left_out_of_the_export_fails_and_the_others_go_through(
    app, connected, manage, qbo_server, run_jobs
):
    _base_url, state, _faults = manage
    with state.lock:  # dated after the export's thruDate (today): Manage leaves it out
        doc = next(
            d for d in state.docs["invoices"].values() if d["record"]["invoiceNumber"] == "10013"
        )
        doc["export"]["documentDate"] = "2999-01-01T00:00:00Z"
    batch_id = submit(app, row_ids(10012, 10013, 10014))
    run_jobs()

    txs = transactions(app, batch_id)
    assert txs["10013"]["state"] == "failed"
    assert txs["10013"]["message"].startswith("ConnectWise exported 2 of 3 invoices asked for")
    assert "Invoice 10013 was not in the export" in txs["10013"]["message"]
    assert {txs[n]["state"] for n in ("10012", "10014")} == {"batched"}
    docs = qbo_docs(qbo_server[0])
    assert "10013" not in docs and {"10012", "10014"} <= set(docs)
    assert "10013" in unposted_numbers(state)


def test_the_preview_names_each_invoice_the_export_left_out(app, connected, manage):
    from pages_support import HX, SELECT_URL, text

    _base_url, state, _faults = manage
    with state.lock:
        doc = next(
            d for d in state.docs["invoices"].values() if d["record"]["invoiceNumber"] == "10013"
        )
        doc["export"]["documentDate"] = "2999-01-01T00:00:00Z"
    ids = row_ids(10012, 10013)
    form = {"mode": "transfer", "config_id": "1", "location_id": "", "invoice_detail": "detailed"}
    response = connected.post(
        SELECT_URL + "/preview", {**form, "ids": ids, "shown": ids}, headers=HX
    )
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "2 invoices" in page and "1 with problems" in page
    assert f"Invoice (ConnectWise row {ids[1]}): not sent" in page
    assert "ConnectWise exported 1 of 2 invoices asked for" in page
    assert "Invoice 10012:" in page


def test_an_invoice_batched_elsewhere_meanwhile_fails_saying_so(
    app, connected, manage, qbo_server, run_jobs
):
    from cwqbo.connectwise.glexport import invoice_record_ids

    _base_url, state, _faults = manage
    batch_id = submit(app, row_ids(10012, 10013))
    with state.lock:  # someone batches 10013 in Manage before the run reads it
        doc = next(
            d for d in state.docs["invoices"].values() if d["record"]["invoiceNumber"] == "10013"
        )
        ids = invoice_record_ids(doc["export"])
    state.create_batch({"batchIdentifier": "elsewhere", "processedRecordIds": ids})
    run_jobs()

    txs = transactions(app, batch_id)
    message = txs["10013"]["message"]
    assert txs["10013"]["state"] == "failed"
    assert message.startswith("ConnectWise exported 1 of 2 invoices asked for"), message
    assert "Invoice 10013 was not in the export" in message and "batched elsewhere" in message
    assert txs["10012"]["state"] == "batched"
