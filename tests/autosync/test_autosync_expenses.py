"""AutoSync of expenses: a purchase that needs a payment account nobody chose is set aside
while the bill goes; choosing the account on the Expenses tab makes the next run send it."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import turn_on

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batches"))
from test_expense_transfer import qbo_rows, set_options  # noqa: E402

from cwqbo.extensions import db  # noqa: E402
from cwqbo.models import ParkedTransaction, TaskRun  # noqa: E402

WANTED = {"55102", "55103"}  # a reimbursable Bill and a credit-card Purchase


def keep_expenses(state) -> None:
    with state.lock:
        docs = state.docs["expenses"]
        for row_id in [k for k in docs if str(k) not in WANTED]:
            del docs[row_id]


def test_a_missing_payment_account_parks_the_purchase_until_an_admin_chooses_it(
    app, connected, manage, qbo_server, outbox, run_scheduled
):
    qbo_state = qbo_server[1]
    keep_expenses(manage[1])
    set_options(app, qbo_state, append=True, skip=("credit_card",))
    turn_on(app, kinds=("expenses",))

    first = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, first)
        assert (run.result["sent"], run.result["failed"]) == (1, 1), run.message
        parked = db.session.scalars(db.select(ParkedTransaction)).all()
        assert [(p.kind, p.manage_id) for p in parked] == [("expenses", "55103")]
        assert "Expenses" in parked[0].reason, parked[0].reason
    assert qbo_rows(qbo_state, "Purchase") == [] and len(qbo_rows(qbo_state, "Bill")) == 1
    assert len([m for m in outbox.messages() if m["Subject"].startswith("AutoSync")]) == 1

    set_options(app, qbo_state, append=True)  # the admin chooses the credit-card account
    second = run_scheduled()
    with app.app_context():
        run = db.session.get(TaskRun, second)
        assert (run.result["sent"], run.result["failed"]) == (1, 0), run.message
        assert db.session.scalars(db.select(ParkedTransaction)).all() == []
    assert len(qbo_rows(qbo_state, "Purchase")) == 1 and len(qbo_rows(qbo_state, "Bill")) == 1
