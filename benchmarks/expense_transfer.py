"""Time a batch of N expenses through the runner against both sandboxes; print the figures.

    .venv/bin/python benchmarks/expense_transfer.py [N]     (default 1000)

The Manage sample's 20 expenses copied to N (new row, entry and GL ids, amounts kept
distinct), real HTTP to both sandboxes, the real runner with the expense kind, the
in-memory store of _support.py. Members without a Vendor Nbr fail validation, as
in the sample; the figures count every transaction.
"""

from __future__ import annotations

import copy
import itertools
import json
import sys

from _support import US_REALM, MemoryStore, manage_client, qbo_client, run_and_print

from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.state import DEFAULT_DATASET
from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo
from cwqbo.transfer.expenses import EXPENSES
from cwqbo.transfer.runner import Runner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Tx

PAYERS = {"cash": "Petty Cash", "check": "Checking", "credit_card": "Company Visa"}


def dataset(count: int) -> dict:
    data = json.loads(DEFAULT_DATASET.read_text(encoding="utf-8"))
    sample, gl_ids = data["unpostedExpenses"], itertools.count(700_001)
    out = []
    for n in range(count):
        doc = copy.deepcopy(sample[n % len(sample)])
        total = round(doc["record"]["total"] + n * 0.01, 2)
        doc["record"].update(id=60_001 + n, expenseDetailId=90_001 + n, total=total)
        doc["export"].update(id=next(gl_ids), total=total)
        doc["export"]["offset"].update(id=next(gl_ids), total=-total)
        out.append(doc)
    data["unpostedExpenses"] = out
    return data


def main(count: int) -> None:
    manage_url, manage_server, manage_state = serve_manage(dataset(count))
    qbo_url, qbo_server, qbo_state = serve_qbo()
    manage = manage_client(manage_url, manage_state)
    qbo = qbo_client(qbo_url, qbo_state.add_token(US_REALM))
    accounts = {a["Name"]: a["Id"] for a in qbo_state.companies[US_REALM].rows["Account"].values()}
    settings = TransferSettings(
        append_account_name=True, **{f"{k}_account_id": accounts[v] for k, v in PAYERS.items()}
    )
    rows = manage_state.unposted("expenses")
    txs = [
        Tx(n, str(r["id"]), str(r["expenseDetailId"]), str(r["id"]), "selected", "2026-01-01-E")
        for n, r in enumerate(rows)
    ]
    runner = Runner(EXPENSES, "BENCH-E", manage, qbo, MemoryStore(txs), settings)
    run_and_print(runner, "expense", "expenses", qbo_state)
    manage_server.shutdown()
    qbo_server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
