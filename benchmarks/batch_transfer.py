"""Time a batch of N invoices through the runner against both sandboxes; print the figures.

    .venv/bin/python benchmarks/batch_transfer.py [N]     (default 1000)

Real HTTP to the local Manage and QBO sandboxes (QBO's rate limits on: 500 requests and
40 batch requests per minute per realm), the real runner, an in-memory store. It prints the
wall time, API calls per transaction and peak memory.
"""

from __future__ import annotations

import sys

from _support import US_REALM, MemoryStore, manage_client, qbo_client, run_and_print

from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.scale import scaled_dataset
from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo
from cwqbo.transfer.runner import InvoiceRunner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Tx


def main(count: int) -> None:
    manage_url, manage_server, manage_state = serve_manage(scaled_dataset(count))
    qbo_url, qbo_server, qbo_state = serve_qbo()
    manage = manage_client(manage_url, manage_state)
    qbo = qbo_client(qbo_url, qbo_state.add_token(US_REALM))
    rows = manage_state.unposted("invoices")
    txs = [
        Tx(
            id=n,
            manage_id=str(r["id"]),
            record_id=str(r["billingLogId"]),
            number=r["invoiceNumber"],
            state="selected",
            manage_batch_identifier=f"2026-01-01-I{r['invoiceNumber']}",
        )
        for n, r in enumerate(rows)
    ]
    store = MemoryStore(txs)
    runner = InvoiceRunner("BENCH-1", manage, qbo, store, TransferSettings())
    run_and_print(runner, "invoice", "invoices", qbo_state)
    manage_server.shutdown()
    qbo_server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
