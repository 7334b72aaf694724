"""What the benchmarks share: clients for the local sandboxes, the runner's in-memory store,
a timed runner run with its printed figures, and a median timer."""

from __future__ import annotations

import collections
import statistics
import time
import tracemalloc

from cwqbo.connectwise import ManageClient, ManageCredentials
from cwqbo.quickbooks import QBOClient

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


def manage_client(manage_url: str, manage_state) -> ManageClient:
    """A Manage client on the sandbox's own credentials and first client id."""
    creds = manage_state.credentials
    return ManageClient(
        ManageCredentials(
            manage_url,
            creds["companyId"],
            creds["publicKey"],
            creds["privateKey"],
            sorted(manage_state.client_ids)[0],
        )
    )


def qbo_client(qbo_url: str, token: str) -> QBOClient:
    """A QBO client on the sandbox's US realm with a fixed access token."""
    return QBOClient(US_REALM, f"{qbo_url}/v3", lambda: token)


def run_and_print(runner, noun: str, plural: str, qbo_state) -> None:
    """Run the runner once; print wall time, API calls per transaction and peak memory."""
    tracemalloc.start()
    started = time.perf_counter()
    outcome = runner.run()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    manage_calls, qbo_calls = outcome.calls["manage"], outcome.calls["qbo"]
    print(f"{plural + ':':<22} {outcome.total} ({outcome.done} done, {outcome.failed} failed)")
    print(f"wall time:             {elapsed:.1f} s ({outcome.total / elapsed:.1f} {plural}/s)")
    print(f"Manage API calls:      {manage_calls} ({manage_calls / outcome.total:.2f} per {noun})")
    print(f"QBO API calls:         {qbo_calls} ({qbo_calls / outcome.total:.3f} per {noun})")
    print(f"QBO throttled (429):   {qbo_state.throttle.throttled}")
    print(f"peak traced memory:    {peak / 1e6:.1f} MB")


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """Return the median wall time of fn() in milliseconds, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def print_calls(calls: list[dict], n: int) -> None:
    """Print each system's calls (total, per transaction, 429s) and their kinds."""
    for system in ("manage", "qbo"):
        mine = [c for c in calls if c["system"] == system]
        throttled = sum(c["status"] == 429 for c in mine)
        per = len(mine) / n
        print(f"{system + ' calls:':15} {len(mine)} ({per:.3f} per invoice), 429s: {throttled}")
        for kind, count in collections.Counter(c["kind"] for c in mine).most_common():
            print(f"    {kind:22} {count}")
