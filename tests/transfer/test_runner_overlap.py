"""The runner's own thread only does what must be on it (issue 14): a batch at scale against
both sandboxes over real HTTP, with latency on every request.

The batch-id read-backs (GETs) go out on the marks' pool, not on the thread that sends the
QBO chunks; the export-id look-ups of a large batch go out a few at once; the first marks go
out while QBO still receives documents. Every invoice still ends batched, once, with its
Manage batch id.
"""

from __future__ import annotations

import threading
import time

import pytest

from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.quickbooks import QBOClient
from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.connectwise.scale import scaled_dataset
from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo
from cwqbo.transfer.runner import InvoiceRunner
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import Tx

US_REALM = "9341453000000001"
COUNT = 250  # three export-id look-ups (100 rows a GET), two full read-backs and a last one
LATENCY_MS = 60


class Store:
    """The runner's store in memory; notes which thread wrote (the DB store is per thread)."""

    def __init__(self, txs: list[Tx]) -> None:
        self.txs, self.saved, self.threads = txs, {}, set()

    def pending(self) -> list[Tx]:
        return list(self.txs)

    def update(self, tx: Tx, **fields) -> None:
        self.threads.add(threading.get_ident())
        self.saved.setdefault(tx.id, {}).update(fields)

    def action(self, section, key, label, state, **fields) -> None:
        self.threads.add(threading.get_ident())

    def log(self, message, *, level="info", tx=None) -> None:
        self.threads.add(threading.get_ident())


class Timed:
    """Wrap a client method: (thread id, started, ended) of each call."""

    def __init__(self, obj, name: str) -> None:
        self.calls: list[tuple[int, float, float]] = []
        self.lock = threading.Lock()
        inner = getattr(obj, name)

        def timed(*args, **kwargs):
            started = time.monotonic()
            try:
                return inner(*args, **kwargs)
            finally:
                with self.lock:
                    self.calls.append((threading.get_ident(), started, time.monotonic()))

        setattr(obj, name, timed)

    def peak_in_flight(self) -> int:
        edges = sorted([(s, 1) for _, s, _ in self.calls] + [(e, -1) for _, _, e in self.calls])
        peak = now = 0
        for _, step in edges:
            now += step
            peak = max(peak, now)
        return peak


@pytest.fixture
def batch():
    manage_url, manage_server, manage_state = serve_manage(
        scaled_dataset(COUNT), latency_ms=LATENCY_MS
    )
    qbo_url, qbo_server, qbo_state = serve_qbo(latency_ms=LATENCY_MS)
    creds = manage_state.credentials
    manage = ManageClient(
        ManageCredentials(
            manage_url,
            creds["companyId"],
            creds["publicKey"],
            creds["privateKey"],
            sorted(manage_state.client_ids)[0],
        )
    )
    token = qbo_state.add_token(US_REALM)
    qbo = QBOClient(US_REALM, f"{qbo_url}/v3", lambda: token)
    rows = manage_state.unposted("invoices")
    txs = [
        Tx(n, str(r["id"]), str(r["billingLogId"]), r["invoiceNumber"], "selected", f"T-I{n}")
        for n, r in enumerate(rows, start=1)
    ]
    yield manage, qbo, txs
    manage_server.shutdown()
    qbo_server.shutdown()


def test_read_backs_and_look_ups_leave_the_runner_thread_free(batch):
    manage, qbo, txs = batch
    assert len(txs) == COUNT
    store = Store(txs)
    read_backs = Timed(manage, "find_batches")
    look_ups = Timed(manage, "export_ids_for")
    marks = Timed(manage, "create_batch")
    chunks = Timed(qbo, "batch")
    runner = InvoiceRunner("OVERLAP-1", manage, qbo, store, TransferSettings())

    outcome = runner.run()

    assert (outcome.total, outcome.done, outcome.failed) == (COUNT, COUNT, 0)
    assert {t.state for t in txs} == {"batched"}
    assert all(store.saved[t.id]["manage_batch_id"] for t in txs), "a batch id not read back"
    assert len(marks.calls) == COUNT  # each invoice marked once
    runner_thread = threading.get_ident()
    # Every state is written on the runner's thread: the read-backs' answers too.
    assert store.threads == {runner_thread}
    # The read-back GETs never hold up the thread that sends the QBO chunks.
    assert len(read_backs.calls) == 3
    assert all(thread != runner_thread for thread, _, _ in read_backs.calls)
    # The export-id look-ups (100 rows a GET) go out together, not one after the other.
    assert len(look_ups.calls) == 3
    assert look_ups.peak_in_flight() >= 2
    # The first chunk's marks go out while QBO still receives the later chunks.
    first_mark = min(started for _, started, _ in marks.calls)
    last_chunk = max(started for _, started, _ in chunks.calls)
    assert first_mark < last_chunk
