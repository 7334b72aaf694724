"""Exactly once for item receipts (spec D5): a crash and resume, and ~10% faults on both APIs.

PO 813 was received in two parts that carry one vendor invoice number: on a resume each
part must find its own bill (INV-81377 and INV-81377-2), never its sibling's.
"""

from __future__ import annotations

import pytest
import requests
from inventory_support import (
    RECEIPTS,
    bills,
    manage_batches,
    qbo_rows,
    set_products_tab,
    submit,
    transactions,
    unposted,
)
from support import QBO_US_REALM, connect_qbo
from test_transfer_exactly_once import resume, run_until_crash

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.jobs import TRANSFERS_QUEUE, get_queue
from cwqbo.models import Batch, Pairing
from cwqbo.sandbox.connectwise.faults import Faults

PARTS = ["7001-purchase", "7002-purchase", "7003-purchase", "7004-purchase"]


def end_state(qbo: str, state) -> dict:
    """What landed in both systems, comparable across runs."""
    return {
        "bills": {
            number: sorted((str(b["TotalAmt"]), b["VendorRef"].get("name")) for b in found)
            for number, found in bills(qbo).items()
        },
        "items": sorted((i["Name"], i.get("QtyOnHand")) for i in qbo_rows(qbo, "Item")),
        "vendors": sorted(v["DisplayName"] for v in qbo_rows(qbo, "Vendor")),
        "manage": sorted(manage_batches(state)),
        "unposted": sorted(unposted(state)),
    }


@pytest.mark.parametrize("when", ["before saving the QBO id", "before the Manage mark"])
def test_resume_after_a_crash_creates_no_second_bill(
    app, connected, manage, qbo_server, run_jobs, when
):
    state, qbo = manage[1], qbo_server[0]
    set_products_tab(app, qbo)
    with app.app_context():
        batch_id = submit(app, PARTS)
        get_queue(TRANSFERS_QUEUE).empty()  # the worker that would have run it crashes
    run_until_crash(app, batch_id, when)
    assert set(bills(qbo)) == {"INV-81277", "INV-81377", "INV-81377-2", "INV-81477"}
    assert not manage_batches(state)

    resume(app, batch_id)
    run_jobs()

    found = bills(qbo)
    assert {n: len(b) for n, b in found.items()} == {
        "INV-81277": 1,
        "INV-81377": 1,
        "INV-81377-2": 1,
        "INV-81477": 1,
    }
    txs = transactions(app, batch_id)
    assert {t.state for t in txs.values()} == {"batched"}, {k: t.message for k, t in txs.items()}
    # Each part kept its own bill: the one whose packing slip its PrivateNote names.
    for manage_id, slip in (("7002-purchase", "PS-813-1"), ("7003-purchase", "PS-813-2")):
        (bill,) = [b for bs in found.values() for b in bs if b["Id"] == txs[manage_id].qbo_id]
        assert slip in bill["PrivateNote"]
    assert len(manage_batches(state)) == len(PARTS)
    assert not unposted(state) & set(PARTS)
    ssd = next(i for i in qbo_rows(qbo, "Item") if i["Name"] == "SSD-1TB")
    assert ssd["QtyOnHand"] == 10, "received once"


def run_with_retries(app, batch_id, run_jobs, attempts=4):
    run_jobs()
    for _ in range(attempts):
        with app.app_context():
            batch = db.session.get(Batch, batch_id)
            if batch.status == "succeeded":
                return
            service.retry(batch, None)
        run_jobs()


def test_flaky_apis_reach_the_same_end_state(app, connected, manage, qbo_server, run_jobs):
    state, faults = manage[1], manage[2]
    qbo = qbo_server[0]
    set_products_tab(app, qbo)
    batch_id = submit(app, RECEIPTS)
    run_jobs()
    clean = end_state(qbo, state)
    assert {t.state for t in transactions(app, batch_id).values()} == {"batched"}

    # The same selection on fresh sandboxes, with ~10% faults on both APIs.
    state.reset()
    requests.post(f"{qbo}/_sandbox/reset", timeout=10).raise_for_status()
    connect_qbo(connected, 1, QBO_US_REALM)  # a reset sandbox forgot its tokens
    with app.app_context():
        db.session.execute(db.delete(Batch))
        db.session.execute(db.delete(Pairing))  # the reset QBO forgot the vendors paired
        db.session.commit()
    set_products_tab(app, qbo)
    faults.configure(
        Faults(rate_429=0.04, rate_500=0.03, rate_drop=0.03, retry_after=0.01, seed=11)
    )
    requests.post(
        f"{qbo}/_sandbox/faults",
        json={
            **{"rate_429": 0.04, "rate_500": 0.03, "rate_drop": 0.03, "retry_after": 0.01},
            **{"seed": 11, "script": ["ok", "500", "ok", "429", "ok", "drop"]},
        },
        timeout=10,
    ).raise_for_status()
    batch_id = submit(app, RECEIPTS)
    run_with_retries(app, batch_id, run_jobs)
    qbo_faults = {k: v for k, v in qbo_server[1].faults.counts.items() if k != "ok"}
    requests.post(f"{qbo}/_sandbox/faults", json={}, timeout=10).raise_for_status()
    injected = {k: v for k, v in faults.counts.items() if k != "ok"}
    faults.configure(Faults())
    assert sum(injected.values()) >= 2, injected
    assert sum(qbo_faults.values()) >= 1, qbo_faults
    txs = transactions(app, batch_id)
    assert {t.state for t in txs.values()} == {"batched"}, {k: t.message for k, t in txs.items()}
    assert end_state(qbo, state) == clean
