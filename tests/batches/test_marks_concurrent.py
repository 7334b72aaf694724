"""Concurrent Manage marks (issue 14 §1): parallel batch POSTs, ids read back in bulk, a 429
storm slows the whole pool and every mark still lands exactly once.

The Manage sandbox is wrapped in a recorder that notes when each API request arrived, when it
was answered and how; the runner runs in the forked RQ worker, as in production.
"""

from __future__ import annotations

import collections
import threading
import time

import pytest
from transfer_support import batch_status, manage_batches, qbo_docs, row_ids, submit, transactions

from cwqbo.config import ConfigError, load_config
from cwqbo.sandbox.connectwise.faults import Faults

# Ordinary USD invoices of the sample: without faults every one goes through.
NUMBERS = [n for n in range(10010, 10034) if n not in (10022, 10027)]
BATCHES = "/finance/accounting/batches"


class Recorder:
    """WSGI middleware: (method, path, arrived, answered, status, Retry-After) per request."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.calls: list[dict] = []
        self.in_flight = collections.Counter()
        self.peak = collections.Counter()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "/apis/3.0/" not in path:
            return self.app(environ, start_response)
        path = "/" + path.split("/apis/3.0/", 1)[1]
        method = environ["REQUEST_METHOD"]
        call = {"method": method, "path": path, "arrived": time.monotonic()}
        with self.lock:
            self.in_flight[method, path] += 1
            key = (method, path)
            self.peak[key] = max(self.peak[key], self.in_flight[key])

        def recording_start(status, headers, exc_info=None):
            call["status"] = int(status.split()[0])
            call["retry_after"] = dict(headers).get("Retry-After")
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start)
        finally:
            call["answered"] = time.monotonic()
            with self.lock:
                self.in_flight[method, path] -= 1
                self.calls.append(call)


@pytest.fixture
def recorder(cw_server):
    flask_app = cw_server[1].app
    original = flask_app.wsgi_app
    flask_app.wsgi_app = Recorder(original)
    yield flask_app.wsgi_app
    flask_app.wsgi_app = original


def assert_landed_once(app, batch_id, state, qbo_url):
    txs = transactions(app, batch_id)
    assert batch_status(app, batch_id)[0] == "succeeded", (
        batch_status(app, batch_id),
        {n: t["message"] for n, t in txs.items() if t["message"]},
    )
    held = manage_batches(state)
    with state.lock:
        names = [b["batchIdentifier"] for b in state.batches.values()]
    assert len(names) == len(set(names)) == len(NUMBERS), names
    for number in map(str, NUMBERS):
        tx = txs[number]
        assert tx["state"] == "batched", (number, tx)
        assert tx["manage_batch_id"] == held[tx["manage_batch_identifier"]]["id"], (number, tx)
    docs = qbo_docs(qbo_url)
    assert all(len(docs[str(n)]) == 1 for n in NUMBERS), "one QBO document per invoice"


def test_marks_go_out_in_parallel_and_the_ids_are_read_back_in_bulk(
    app, connected, manage, qbo_server, run_jobs, recorder
):
    state, faults = manage[1], manage[2]
    faults.configure(Faults(latency_ms=100))
    batch_id = submit(app, row_ids(*NUMBERS))
    run_jobs()
    faults.configure(Faults())
    assert_landed_once(app, batch_id, state, qbo_server[0])
    posts = [c for c in recorder.calls if c["method"] == "POST" and c["path"] == BATCHES]
    looks = [c for c in recorder.calls if c["method"] == "GET" and c["path"] == BATCHES]
    assert len(posts) == len(NUMBERS)
    assert len(looks) == 1, "the batch ids are read back in one call, not one per batch"
    # The default MANAGE_MARK_CONCURRENCY is 8: several POSTs were at Manage at once.
    assert 2 <= recorder.peak["POST", BATCHES] <= 8, recorder.peak
    # One after the other, 22 POSTs (and 22 look-ups) would take at least 22 x 0.1 s.
    span = max(c["answered"] for c in posts) - min(c["arrived"] for c in posts)
    assert span < len(NUMBERS) * 0.1, span


def test_a_manage_429_storm_slows_the_whole_pool_and_every_mark_lands_once(
    app, connected, manage, qbo_server, run_jobs, recorder
):
    state, faults = manage[1], manage[2]
    # Manage's front end (Cloudflare): at most 6 requests a second, more get 429 with
    # Retry-After = the seconds until a slot frees (always >= 1 s here).
    faults.configure(Faults(latency_ms=20, rate_limit=6, rate_limit_window=1.0))
    batch_id = submit(app, row_ids(*NUMBERS))
    started = time.monotonic()
    run_jobs()
    wall = time.monotonic() - started
    throttled = faults.counts.get("rate_limited", 0)
    faults.configure(Faults())
    assert_landed_once(app, batch_id, state, qbo_server[0])

    answered_429 = [c for c in recorder.calls if c["status"] == 429]
    assert throttled == len(answered_429) > 0
    assert all(float(c["retry_after"]) >= 1 for c in answered_429)
    posts = [c for c in recorder.calls if c["method"] == "POST" and c["path"] == BATCHES]
    assert sum(c["status"] == 201 for c in posts) == len(NUMBERS)
    assert recorder.peak["POST", BATCHES] >= 2, "the marks ran in parallel"
    assert wall >= 1.0  # at least one Retry-After was waited out
    # Throttled, not flooded: the 429s stay within a few per mark.
    assert len(answered_429) < 4 * len(NUMBERS), len(answered_429)


def test_one_429_pauses_every_mark_for_its_retry_after(
    app, connected, manage, qbo_server, run_jobs, recorder
):
    """Manage throttles now and then (10% of requests, Retry-After 1.2 s) under a light load:
    each 429 stops the whole pool, not only the thread that met it."""
    state, faults = manage[1], manage[2]
    faults.configure(Faults(latency_ms=30, rate_429=0.1, retry_after=1.2, seed=3))
    batch_id = submit(app, row_ids(*NUMBERS))
    run_jobs()
    faults.configure(Faults())
    assert_landed_once(app, batch_id, state, qbo_server[0])
    answered_429 = [c for c in recorder.calls if c["status"] == 429]
    on_marks = [c for c in answered_429 if c["path"] == BATCHES]
    assert on_marks, "some 429s fell while the marks ran"
    assert recorder.peak["POST", BATCHES] >= 2, "the marks ran in parallel"
    # After a 429, no request of the worker reached Manage until its Retry-After was over
    # (0.35 s of slack either side for requests already on their way: a loaded machine, two
    # passes and their xdist workers on 2 cores, can hold a request that long).
    for no in answered_429:
        pause_end = no["answered"] + float(no["retry_after"])
        early = [
            c for c in recorder.calls if no["answered"] + 0.35 < c["arrived"] < pause_end - 0.35
        ]
        assert not early, (no, early[:3])


@pytest.mark.parametrize("value", ["0", "11", "many"])
def test_mark_concurrency_setting_is_checked(value, tmp_path):
    assert load_config({}, tmp_path)["MANAGE_MARK_CONCURRENCY"] == 8
    with pytest.raises(ConfigError, match="MANAGE_MARK_CONCURRENCY"):
        load_config({"MANAGE_MARK_CONCURRENCY": value}, tmp_path)


def test_marks_start_while_later_chunks_still_go_to_qbo(
    app, connected, manage, qbo_server, run_jobs
):
    """70 invoices are 3 chunks of QBO documents (30, 30, 10): the first chunk is marked in
    Manage while the next ones are sent (issue 14 §2), and every mark still lands once."""
    import requests

    from cwqbo.extensions import db
    from cwqbo.models import BatchAction
    from cwqbo.sandbox.connectwise.scale import scaled_dataset

    state, faults = manage[1], manage[2]
    state.reset(scaled_dataset(70))
    faults.configure(Faults(latency_ms=50))
    requests.post(f"{qbo_server[0]}/_sandbox/faults", json={"latency_ms": 50}, timeout=10)
    batch_id = submit(app, [str(1_000_001 + n) for n in range(70)])
    run_jobs()
    faults.configure(Faults())
    txs = transactions(app, batch_id)
    assert {t["state"] for t in txs.values()} == {"batched"}, batch_status(app, batch_id)
    held = manage_batches(state)
    assert len(held) == 70
    assert all(
        t["manage_batch_id"] == held[t["manage_batch_identifier"]]["id"] for t in txs.values()
    )
    assert all(len(found) == 1 for found in qbo_docs(qbo_server[0]).values() if found)
    with app.app_context():
        actions = db.session.scalars(
            db.select(BatchAction).where(BatchAction.batch_id == batch_id)
        ).all()
    documents = [a.finished_at for a in actions if a.section == "documents"]
    marks = [a.started_at for a in actions if a.section == "manage"]
    assert len(documents) == len(marks) == 70
    assert min(marks) < max(documents), "the first marks started before QBO had the last chunk"


def test_unbatch_finds_a_batch_whose_id_was_not_read_back(app, connected, manage, run_jobs):
    """Marks read their batch ids back in bulk; one the worker died before reading back is
    looked up by its identifier when it is unbatched."""
    from cwqbo.batches import service
    from cwqbo.extensions import db
    from cwqbo.models import BatchTransaction

    state = manage[1]
    batch_id = submit(app, row_ids(10012))
    run_jobs()
    ident = transactions(app, batch_id)["10012"]["manage_batch_identifier"]
    assert ident in manage_batches(state)
    with app.app_context():
        tx = db.session.scalar(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
        )
        tx.manage_batch_id = None  # as if the read-back never happened
        db.session.commit()
        service.unbatch(tx, void=False, user_id=None)
    assert ident not in manage_batches(state)
    assert transactions(app, batch_id)["10012"]["state"] == "unbatched"
