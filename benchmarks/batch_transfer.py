"""Time a batch of N invoices through the runner against both sandboxes; print the figures.

    .venv/bin/python benchmarks/batch_transfer.py [N]     (default 1000)

Real HTTP to the local Manage and QBO sandboxes (QBO's rate limits on: 500 requests and
40 batch requests per minute per realm), the real runner, an in-memory store. It prints the
wall time, API calls per transaction and peak memory.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.quickbooks import QBOClient
from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.scale import scaled_dataset
from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo
from cwqbo.transfer.runner import InvoiceRunner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Tx

US_REALM = "9341453000000001"


class MemoryStore:
    """The runner's store, kept in memory (the app's store commits each step to the DB)."""

    def __init__(self, txs):
        self.txs, self.actions, self.lines = txs, {}, []

    def pending(self):
        return [t for t in self.txs if t.state not in ("batched", "skipped")]

    def update(self, tx, **fields):
        tx.state = fields.get("state", tx.state)

    def action(self, section, key, label, state, **fields):
        self.actions[(section, key)] = state

    def log(self, message, *, level="info", tx=None):
        self.lines.append(message)


def main(count: int) -> None:
    manage_url, manage_server, manage_state = serve_manage(scaled_dataset(count))
    qbo_url, qbo_server, qbo_state = serve_qbo()
    creds = manage_state.credentials
    manage = ManageClient(
        ManageCredentials(
            manage_url, creds["companyId"], creds["publicKey"], creds["privateKey"], sorted(manage_state.client_ids)[0]
        )
    )
    token = qbo_state.add_token(US_REALM)
    qbo = QBOClient(US_REALM, f"{qbo_url}/v3", lambda: token)
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
    tracemalloc.start()
    started = time.perf_counter()
    outcome = runner.run()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    manage_calls, qbo_calls = outcome.calls["manage"], outcome.calls["qbo"]
    print(f"invoices:              {outcome.total} ({outcome.done} done, {outcome.failed} failed)")
    print(f"wall time:             {elapsed:.1f} s ({outcome.total / elapsed:.1f} invoices/s)")
    print(f"Manage API calls:      {manage_calls} ({manage_calls / outcome.total:.2f} per invoice)")
    print(f"QBO API calls:         {qbo_calls} ({qbo_calls / outcome.total:.3f} per invoice)")
    print(f"QBO throttled (429):   {qbo_state.throttle.throttled}")
    print(f"peak traced memory:    {peak / 1e6:.1f} MB")
    manage_server.shutdown()
    qbo_server.shutdown()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
