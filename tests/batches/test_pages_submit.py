"""Submit, preview, unbatch, retry and mark-exported through the pages, with the real service
and a real worker, into both sandboxes (spec D2, D6, D8, D9, D10, J2, J3)."""

from __future__ import annotations

import re

import requests
from pages_support import HX, MARK_URL, SELECT_URL, batch_count, row_ids, sample_invoices, text
from support import QBO_US_REALM

from cwqbo.sandbox.connectwise import Faults


def ids_of(state, *numbers: int) -> list[str]:
    """Return the unposted row ids of sample invoices by number."""
    by_number = {r["invoiceNumber"]: str(r["id"]) for r in sample_invoices(state)}
    return [by_number[str(n)] for n in numbers]


def picked(ids: list[str], **extra) -> dict:
    return {
        "mode": "transfer",
        "config_id": "1",
        "location_id": "",
        "invoice_detail": "detailed",
        "ids": ids,
        "shown": ids,
        **extra,
    }


def qbo_count(qbo_base_url: str, entity: str) -> int:
    url = f"{qbo_base_url}/_sandbox/entities/{QBO_US_REALM}/{entity}"
    return len(requests.get(url, timeout=10).json())


def transaction(app, identifier: str, number: str):
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchTransaction

    with app.app_context():
        return db.session.scalar(
            db.select(BatchTransaction)
            .join(Batch)
            .where(Batch.identifier == identifier, BatchTransaction.number == number)
        )


def submit(connected, ids: list[str]) -> str:
    response = connected.post(SELECT_URL, picked(ids))
    assert response.status_code == 302, text(response.get_data(as_text=True))[:2000]
    match = re.fullmatch(r"/batches/(INV-\d{6})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_submit_then_watch_the_status_page_reach_the_end(app, connected, manage, run_jobs):
    ids = ids_of(manage[1], 10002, 10003, 10007)
    assert len(row_ids(connected.get(SELECT_URL).get_data(as_text=True))) == 60

    identifier = submit(connected, ids)
    page = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert f"Batch {identifier} submitted: 3 invoices to transfer." in page
    assert 'hx-trigger="every 1s"' in page
    assert "Waiting to start" in page
    # While it waits, the three are held by the batch on the selection page.
    waiting = connected.get(SELECT_URL).get_data(as_text=True)
    assert waiting.count(f'In batch <a href="/batches/{identifier}">') == 3

    run_jobs()
    done = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert 'id="batch-status">Completed Successfully</span>' in done
    assert "hx-trigger" not in done
    assert len(re.findall(r"/_sandbox/view/\d+/Invoice/\d+", done)) >= 3
    assert done.count("Unbatch…") == 3
    # Batched in Manage: they have left the unposted list, cached copy or not.
    left = row_ids(connected.get(SELECT_URL).get_data(as_text=True))
    assert len(left) == 57 and not set(ids) & set(left)


def test_htmx_submission_redirects_the_htmx_way(connected, manage):
    ids = ids_of(manage[1], 10002)
    response = connected.post(SELECT_URL, picked(ids), headers=HX)
    assert response.headers["HX-Redirect"].startswith("/batches/INV-")


def test_preview_shows_what_would_be_created_and_writes_nothing(app, connected, manage, qbo_server):
    ids = ids_of(manage[1], 10002, 10004, 10007)
    invoices_before = qbo_count(qbo_server[0], "Invoice")
    customers_before = qbo_count(qbo_server[0], "Customer")
    manage_batches = len(manage[1].batches)

    response = connected.post(SELECT_URL + "/preview", picked(ids), headers=HX)
    assert response.status_code == 200, text(response.get_data(as_text=True))[:2000]
    html = response.get_data(as_text=True)
    page = text(html)
    assert "Nothing was written." in page
    assert "3 invoices" in page
    for number in ("10002", "10004", "10007"):
        assert f"Invoice {number}:" in page
    assert "<table" in html and "Total:" in page
    assert "Fix:" in page and "Where:" in page  # 10004 is in CAD: a problem to fix

    assert qbo_count(qbo_server[0], "Invoice") == invoices_before
    assert qbo_count(qbo_server[0], "Customer") == customers_before
    assert len(manage[1].batches) == manage_batches
    assert batch_count(app) == 0

    # Without HTMX the whole page comes back with the preview and the selection kept.
    full = connected.post(SELECT_URL + "/preview", picked(ids)).get_data(as_text=True)
    assert "Nothing was written." in full and sorted(ids) == sorted(
        re.findall(r'name="ids" value="(\d+)"[^>]*checked', full)
    )


def test_unbatch_with_void_returns_the_invoice_to_the_selection(app, connected, manage, run_jobs):
    ids = ids_of(manage[1], 10002, 10003)
    identifier = submit(connected, ids)
    run_jobs()
    tx = transaction(app, identifier, "10003")
    assert tx.state == "batched" and tx.qbo_id

    url = f"/batches/{identifier}/transactions/{tx.id}/unbatch"
    assert "Also void the QuickBooks invoice" in connected.get(url).get_data(as_text=True)
    response = connected.post(url, {"void": "1"})
    assert response.status_code == 302
    page = text(connected.get(response.headers["Location"]).get_data(as_text=True))
    assert "Invoice 10003 is unbatched and its QuickBooks Invoice was voided" in page
    after = transaction(app, identifier, "10003")
    assert after.state == "unbatched" and after.qbo_voided
    assert ids[1] in row_ids(connected.get(SELECT_URL).get_data(as_text=True))
    log = connected.get(f"/batches/{identifier}/log.txt").get_data(as_text=True)
    assert "Invoice 10003 unbatched by Admin" in log


def test_retry_after_the_cause_is_fixed(app, connected, manage, run_jobs):
    ids = ids_of(manage[1], 10002)
    manage[2].configure(Faults(deny=["finance/accounting/batches"]))
    identifier = submit(connected, ids)
    run_jobs()
    failed = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert ">Failed</span>" in failed
    assert "Retry failed transactions" in failed

    manage[2].configure(Faults())  # the admin fixed the API member's permissions
    response = connected.post(f"/batches/{identifier}/retry", {})
    assert response.status_code == 302
    assert "Retrying 1 transaction," in connected.get(response.headers["Location"]).get_data(True)
    run_jobs()
    done = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert 'id="batch-status">Completed Successfully</span>' in done
    assert transaction(app, identifier, "10002").state == "batched"


def test_mark_as_exported_confirms_then_batches_without_sending(
    app, connected, manage, qbo_server, run_jobs
):
    ids = ids_of(manage[1], 10011, 10012)
    invoices_before = qbo_count(qbo_server[0], "Invoice")
    state = {**picked(ids), "mode": "mark_exported"}
    confirm = connected.post(MARK_URL, state)
    assert "2 invoices will be marked batched in ConnectWise" in text(confirm.get_data(True))

    back = connected.post(MARK_URL, {**state, "step": "back"}).get_data(as_text=True)
    assert sorted(re.findall(r'name="ids" value="(\d+)"[^>]*checked', back)) == sorted(ids)

    response = connected.post(MARK_URL, {**state, "step": "confirm"})
    assert response.status_code == 302
    identifier = response.headers["Location"].rsplit("/", 1)[1]
    assert identifier.startswith("MRK-")
    run_jobs()
    page = connected.get(f"/batches/{identifier}").get_data(as_text=True)
    assert 'id="batch-status">Completed Successfully</span>' in page
    assert qbo_count(qbo_server[0], "Invoice") == invoices_before
    left = row_ids(connected.get(SELECT_URL).get_data(as_text=True))
    assert not set(ids) & set(left)
