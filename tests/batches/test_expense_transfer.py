"""Expense batches over real HTTP with a real worker: Bills, Purchases, vendors, batches (D4).

The Manage sample holds 20 unposted expenses (rows 55101…55120) of six members; every third
is non-reimbursable (a Purchase), the rest reimbursable (a Bill to the member's vendor).
Member tnguyen has no Vendor Nbr, and jdoe's name "Jane Doe" is a QBO employee already.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from support import QBO_US_REALM
from test_transfer_exactly_once import resume, run_until_crash, run_with_retries
from transfer_support import batch_status, manage_batches, transactions
from transfer_support import submit as submit_kind

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.jobs import TRANSFERS_QUEUE, get_queue
from cwqbo.models import (
    Batch,
    BatchAction,
    BatchLog,
    BatchTransaction,
    ConfigurationOptions,
    Pairing,
)
from cwqbo.models.user import utcnow
from cwqbo.sandbox.connectwise.faults import Faults

ROWS = [str(55101 + i) for i in range(20)]
PAYERS = {"cash": "Petty Cash", "check": "Checking", "credit_card": "Company Visa"}


def set_options(app, qbo_state, *, append=False, skip=()):
    """Set the Expenses tab of configuration 1 to the sample realm's accounts."""
    accounts = {a["Name"]: a["Id"] for a in qbo_rows(qbo_state, "Account")}
    with app.app_context():
        options = db.session.get(ConfigurationOptions, 1) or ConfigurationOptions(config_id=1)
        for option, name in PAYERS.items():
            setattr(options, f"{option}_account_id", None if option in skip else accounts[name])
            setattr(options, f"{option}_account_name", name)
        options.append_account_name = append
        db.session.add(options)
        db.session.commit()


def qbo_rows(qbo_state, entity: str) -> list[dict]:
    return list(qbo_state.companies[QBO_US_REALM].rows[entity].values())


def submit(app, ids, mode=Batch.TRANSFER) -> int:
    return submit_kind(app, ids, kind="expenses", detail="summary", mode=mode)


def sample(state) -> dict[str, dict]:
    """Return {row id: {"record", "export"}} of the sample's expenses."""
    with state.lock:
        return {str(d["record"]["id"]): d for d in state.docs["expenses"].values()}


def unposted(state) -> set[str]:
    return {str(r["id"]) for r in state.unposted("expenses")}


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def expected_failures(docs: dict[str, dict], skip=()) -> set[str]:
    out = set()
    for row_id, doc in docs.items():
        record = doc["record"]
        if record["classification"] == "Reimbursable":
            if record["member"]["identifier"] in ("tnguyen", "jdoe"):
                out.add(row_id)  # no Vendor Nbr / name held by a QBO employee
        elif "credit_card" in skip and "Credit" in record["paymentMethod"]["name"]:
            out.add(row_id)
    return out


def test_sample_expenses_become_bills_and_purchases_batched_in_manage(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state)
    docs = sample(state)
    vendors_before = {v["DisplayName"] for v in qbo_rows(qbo_state, "Vendor")}
    batch_id = submit(app, ROWS)
    run_jobs()

    txs = transactions(app, batch_id)
    failed = {n for n, t in txs.items() if t["state"] == "failed"}
    assert failed == expected_failures(docs), {n: txs[n]["message"] for n in failed}
    for number in failed:
        texts = " ".join(p["message"] + p["fix"] + p["where"] for p in txs[number]["problems"])
        member = docs[number]["record"]["member"]["identifier"]
        if member == "tnguyen":
            assert "Vendor Nbr" in texts and "System › Members" in texts
        else:
            assert "already a QBO employee" in texts and "Name collision suffix" in texts
    assert batch_status(app, batch_id)[0] == "failed"

    bills = {b["DocNumber"]: b for b in qbo_rows(qbo_state, "Bill")}
    purchases = {p["DocNumber"]: p for p in qbo_rows(qbo_state, "Purchase")}
    accounts = {a["Id"]: a for a in qbo_rows(qbo_state, "Account")}
    full = {a["Id"]: a.get("FullyQualifiedName") or a["Name"] for a in accounts.values()}
    sent = set(ROWS) - failed
    assert len(bills) + len(purchases) == len(sent), "QBO holds exactly the sent expenses"
    today = utcnow().date().isoformat()
    batches = manage_batches(state)
    for number in sent:
        record, export = docs[number]["record"], docs[number]["export"]
        doc_number = f"E{export['id']}"
        if record["classification"] == "Reimbursable":
            doc = bills.pop(doc_number)
            name = f"{record['member']['name']}"
            assert doc["VendorRef"]["name"] == name
            assert full[doc["APAccountRef"]["value"]] == "Accounts Payable"
        else:
            doc = purchases.pop(doc_number)
            method = record["paymentMethod"]["name"].casefold()
            payer = "Company Visa" if "credit" in method else method.title()
            payer = {"Cash": "Petty Cash", "Check": "Checking"}.get(payer, payer)
            assert accounts[doc["AccountRef"]["value"]]["Name"] == payer
            assert doc["PaymentType"] == ("CreditCard" if "credit" in method else method.title())
        assert txs[number]["qbo_id"] == doc["Id"]
        assert money(doc["TotalAmt"]) == money(export["total"])
        (line,) = doc["Line"]
        detail = line["AccountBasedExpenseLineDetail"]
        assert full[detail["AccountRef"]["value"]] == export["accountNumber"]
        assert money(line["Amount"]) == money(export["total"])
        member = record["member"]["identifier"]
        ident = f"{today}-E{export['id']}{member}"
        assert txs[number]["manage_batch_identifier"] == ident
        assert txs[number]["state"] == "batched"
        assert batches[ident]["id"] == txs[number]["manage_batch_id"]
        assert batches[ident]["exportExpensesFlag"] is True
    assert not bills and not purchases
    assert len(batches) == len(sent)
    assert unposted(state) == failed

    created = {v["DisplayName"]: v for v in qbo_rows(qbo_state, "Vendor")}
    new = set(created) - vendors_before
    members = {docs[n]["record"]["member"]["name"] for n in sent}
    billed = {
        docs[n]["record"]["member"]["name"]
        for n in sent
        if docs[n]["record"]["classification"] == "Reimbursable"
    }
    assert new == billed <= members, "one vendor per billed member, created once"
    for name in new:
        member = next(
            d["record"]["member"] for d in docs.values() if d["record"]["member"]["name"] == name
        )
        numbers = {m["vendorNumber"] for m in state.data["members"] if m["id"] == member["id"]}
        assert {created[name]["CompanyName"]} == numbers, "Vendor Nbr is the Company field"


def test_append_account_name_fixes_the_taken_name_and_a_missing_payment_account_is_a_problem(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True, skip=("credit_card",))
    docs = sample(state)
    batch_id = submit(app, ROWS)
    run_jobs()
    txs = transactions(app, batch_id)
    failed = {n for n, t in txs.items() if t["state"] == "failed"}
    no_card = {
        n
        for n, d in docs.items()
        if d["record"]["classification"] != "Reimbursable"
        and "Credit" in d["record"]["paymentMethod"]["name"]
    }
    no_vendor = {n for n, d in docs.items() if d["record"]["member"]["identifier"] == "tnguyen"}
    no_vendor = {n for n in no_vendor if docs[n]["record"]["classification"] == "Reimbursable"}
    assert no_card and failed == no_card | no_vendor
    for number in no_card:
        (problem,) = txs[number]["problems"]
        assert "Credit card paid from" in problem["fix"]
        assert problem["where"].endswith("Expenses tab")
    written = {b["DocNumber"] for b in qbo_rows(qbo_state, "Bill")}
    written |= {p["DocNumber"] for p in qbo_rows(qbo_state, "Purchase")}
    assert all(f"E{docs[n]['export']['id']}" not in written for n in failed)
    assert len(written) == len(ROWS) - len(failed), "the rest of the batch went on"
    vendors = {v["DisplayName"] for v in qbo_rows(qbo_state, "Vendor")}
    assert "Jane Doe (EMP-JDOE)" in vendors and "Jane Doe" not in vendors
    assert unposted(state) == failed


def test_unbatch_with_delete_removes_the_bill_and_the_expense_is_unposted_again(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True)
    picked = ["55101", "55103"]  # a reimbursable (Bill) and a non-reimbursable (Purchase)
    batch_id = submit(app, picked)
    run_jobs()
    assert batch_status(app, batch_id)[0] == "succeeded", batch_status(app, batch_id)
    assert len(qbo_rows(qbo_state, "Bill")) == 1 and len(qbo_rows(qbo_state, "Purchase")) == 1
    with app.app_context():
        rows = db.session.scalars(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
        ).all()
        for tx in rows:
            service.unbatch(tx, void=True, user_id=None)
    assert qbo_rows(qbo_state, "Bill") == [] and qbo_rows(qbo_state, "Purchase") == []
    assert set(picked) <= unposted(state)
    assert manage_batches(state) == {}
    with app.app_context():
        states = {
            tx.state: tx.qbo_voided
            for tx in db.session.scalars(
                db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
            )
        }
    assert states == {BatchTransaction.UNBATCHED: True}


def end_state(state, qbo_state) -> dict:
    return {
        "bills": sorted((b["DocNumber"], str(b["TotalAmt"])) for b in qbo_rows(qbo_state, "Bill")),
        "purchases": sorted(
            (p["DocNumber"], str(p["TotalAmt"])) for p in qbo_rows(qbo_state, "Purchase")
        ),
        "vendors": sorted(v["DisplayName"] for v in qbo_rows(qbo_state, "Vendor")),
        "manage": sorted(manage_batches(state)),
        "unposted": sorted(unposted(state)),
    }


@pytest.mark.parametrize("when", ["before saving the QBO id", "before the Manage mark"])
def test_resume_after_a_crash_creates_nothing_twice(
    app, connected, manage, qbo_server, run_jobs, when
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True)
    picked = ROWS[:6]
    batch_id = submit(app, picked)
    with app.app_context():
        get_queue(TRANSFERS_QUEUE).empty()  # the worker that would have run it crashes
    run_until_crash(app, batch_id, when)
    sent_before = len(qbo_rows(qbo_state, "Bill")) + len(qbo_rows(qbo_state, "Purchase"))
    assert sent_before >= 1 and not manage_batches(state)
    resume(app, batch_id)
    run_jobs()
    txs = transactions(app, batch_id)
    assert {t["state"] for t in txs.values()} <= {"batched", "failed"}
    good = {n for n, t in txs.items() if t["state"] == "batched"}
    numbers = [b["DocNumber"] for b in qbo_rows(qbo_state, "Bill")]
    numbers += [p["DocNumber"] for p in qbo_rows(qbo_state, "Purchase")]
    assert len(numbers) == len(set(numbers)) == len(good), "no expense is in QBO twice"
    assert len(manage_batches(state)) == len(good)
    assert unposted(state) & set(picked) == set(picked) - good


def test_flaky_apis_reach_the_same_end_state(app, connected, manage, qbo_server, run_jobs):
    from support import connect_qbo

    state, faults = manage[1], manage[2]
    qbo_state = qbo_server[1]
    set_options(app, qbo_state, append=True)
    batch_id = submit(app, ROWS)
    run_jobs()
    clean = end_state(state, qbo_state)
    assert clean["bills"] and clean["purchases"]

    state.reset()
    requests.post(f"{qbo_server[0]}/_sandbox/reset", timeout=10).raise_for_status()
    qbo_state = qbo_server[1]
    connect_qbo(connected, 1, QBO_US_REALM)
    with app.app_context():  # children first: SQLite hands the next batch the same id
        for model in (BatchAction, BatchLog, BatchTransaction, Batch):
            db.session.execute(db.delete(model))
        db.session.execute(db.delete(Pairing))  # the reset QBO forgot the vendors paired
        db.session.commit()
    set_options(app, qbo_state, append=True)
    knobs = {"rate_429": 0.04, "rate_500": 0.03, "rate_drop": 0.03, "retry_after": 0.01}
    faults.configure(Faults(**knobs, seed=11))
    requests.post(
        f"{qbo_server[0]}/_sandbox/faults",
        json={**knobs, "seed": 11, "script": ["ok", "500", "ok", "429", "ok", "drop"]},
        timeout=10,
    ).raise_for_status()
    batch_id = submit(app, ROWS)
    run_with_retries(app, batch_id, run_jobs)
    qbo_faults = {k: v for k, v in qbo_server[1].faults.counts.items() if k != "ok"}
    requests.post(f"{qbo_server[0]}/_sandbox/faults", json={}, timeout=10).raise_for_status()
    injected = {k: v for k, v in faults.counts.items() if k != "ok"}
    faults.configure(Faults())
    assert sum(injected.values()) >= 2, injected
    assert sum(qbo_faults.values()) >= 1, qbo_faults
    assert end_state(state, qbo_server[1]) == clean


def test_an_expense_left_out_of_the_export_fails_saying_so_and_the_others_go_through(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True)
    with state.lock:  # dated after the export's thruDate (today): Manage leaves it out
        doc = next(d for d in state.docs["expenses"].values() if d["record"]["id"] == 55102)
        doc["export"]["documentDate"] = "2999-01-01T00:00:00Z"
    batch_id = submit(app, ["55101", "55102", "55103"])
    run_jobs()
    txs = transactions(app, batch_id)
    assert txs["55102"]["state"] == "failed"
    message = txs["55102"]["message"]
    assert message.startswith("ConnectWise exported 2 of 3 expenses asked for"), message
    assert "Expense 55102 was not in the export" in message and "expenseDetailId" in message
    assert {txs[n]["state"] for n in ("55101", "55103")} == {"batched"}
    assert unposted(state) & {"55101", "55102", "55103"} == {"55102"}


def test_a_tenant_expecting_other_expense_ids_fails_every_expense_saying_so(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True)
    state.set_export_id_fields({"expenses": "id"})  # Manage selects by another id
    batch_id = submit(app, ["55101", "55103"])
    run_jobs()
    for tx in transactions(app, batch_id).values():
        assert tx["state"] == "failed"
        assert tx["message"].startswith("ConnectWise exported 0 of 2 expenses asked for")
    assert qbo_rows(qbo_state, "Bill") == [] and qbo_rows(qbo_state, "Purchase") == []
    assert manage_batches(state) == {}


def test_retry_after_choosing_the_missing_payment_account_sends_it_once(
    app, connected, manage, qbo_server, run_jobs
):
    state, qbo_state = manage[1], qbo_server[1]
    set_options(app, qbo_state, append=True, skip=("credit_card",))
    batch_id = submit(app, ["55102", "55103"])  # a Bill and a credit-card Purchase
    run_jobs()
    txs = transactions(app, batch_id)
    assert (txs["55102"]["state"], txs["55103"]["state"]) == ("batched", "failed")
    assert qbo_rows(qbo_state, "Purchase") == []

    set_options(app, qbo_state, append=True)  # the admin fixes the Expenses tab
    with app.app_context():
        assert service.retry(db.session.get(Batch, batch_id), None) == 1
    run_jobs()
    assert {t["state"] for t in transactions(app, batch_id).values()} == {"batched"}
    assert len(qbo_rows(qbo_state, "Purchase")) == 1 and len(qbo_rows(qbo_state, "Bill")) == 1
    assert batch_status(app, batch_id)[0] == "succeeded"
    assert not unposted(state) & {"55102", "55103"}
