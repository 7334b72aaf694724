"""Manage step of a run: each transaction becomes its own accounting batch, once.

The batch POSTs go out ``mark_concurrency`` at a time on worker threads; every state is
written on the runner's own thread (the store is not thread-safe), each before the next call
for that transaction: "running" before its POST, then "batched" (or failed) once Manage
answered. A 429 pauses the whole pool (the Manage transport's shared ``Retry-After``
pause); no mark is dropped. A POST whose answer was lost is looked up before it is sent
again, as before. The created batches' ids are read back in bulk, ``READ_BACK`` a call
(cwqbo.connectwise.assumptions.LOOKUP_BATCH_AFTER_CREATE), not one look-up per batch. The
phases overlap: a chunk of documents QBO answered is marked while the next chunk is sent
(QBO calls stay on the runner's thread, under the shared QBO limiter).

At most IN_FLIGHT_PER_WORKER x ``mark_concurrency`` marks are in flight; the others wait, so
the time budget's checkpoint (before each mark starts) still stops a job between marks.
Writes are grouped into one commit per round (Steps._grouped): the answers just in and the
"running" rows of the next marks, which are committed before their POSTs go out. On a stop
or a crash the POSTs in flight finish and their answers (and batch ids) are still saved.
"""

from __future__ import annotations

import collections
import contextlib
import logging
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from cwqbo.connectwise import ManageError
from cwqbo.connectwise.accounting import LOOKUP_CHUNK
from cwqbo.transfer.steps import (
    BAD,
    BATCHED,
    IN_QBO,
    MARK_ATTEMPTS,
    OK,
    RUNNING,
    SKIPPED,
    Steps,
    Tx,
)

DEFAULT_CONCURRENCY = 8
# A 429 means Manage did not take the POST: a mark still throttled after the client's retries
# is sent again, up to this many times, without using up one of its MARK_ATTEMPTS.
THROTTLED_ROUNDS = 20
READ_BACK = LOOKUP_CHUNK  # batch ids read back per GET (batchIdentifier in (...))
# Marks started and not yet answered, per worker thread: 4 x 8 holds a whole chunk of 30
# documents, so the marks keep pace while the runner's thread sends the next chunk to QBO.
IN_FLIGHT_PER_WORKER = 4

log = logging.getLogger(__name__)


@dataclass
class Mark:
    """One transaction's Manage batch to create: what the worker thread needs."""

    tx: Tx
    ident: str
    ids: list
    label: str


@dataclass
class Answer:
    """What Manage answered a mark: ``landed`` with the batch it knows of (may lack the id)."""

    landed: bool
    batch: dict
    error: ManageError | None = None


class Marks:
    """The pool of marks of one run; transactions are added as they become markable.

    At most ``in_flight`` (IN_FLIGHT_PER_WORKER x the workers: the pool stays busy while the
    runner's thread builds and sends the next chunk to QBO) are started and not yet answered;
    the rest wait their turn, so the time budget's checkpoint (before each mark starts) can
    still stop the job between marks.
    """

    def __init__(self, steps: ManageSteps, workers: int) -> None:
        self.steps = steps
        self.workers = max(1, int(workers))
        self.in_flight = IN_FLIGHT_PER_WORKER * self.workers
        self.pool: ThreadPoolExecutor | None = None
        self.running: dict[Future, Mark] = {}
        self.started: set[int] = set()
        self.waiting: collections.deque[Tx] = collections.deque()  # added, not started yet
        self.unread: list[Tx] = []  # batched, their batch id not read back yet
        self.reading: dict[Future, list[Tx]] = {}  # read-backs in flight (on the pool)
        self.stopped = False  # the pool takes no more work: read back on this thread

    def __enter__(self) -> Marks:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self._stop()
            return
        try:
            self.collect(block=True)
            self.read_back()
            self.collect(block=True)  # the last read-backs' answers
        except BaseException:  # the budget or the lock stopped the job between two marks
            self._stop()
            raise
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)

    def _stop(self) -> None:
        """A crash or a stop: the POSTs sent finish and what Manage answered is kept (so the
        next job need not look them up); no other mark is sent."""
        self.waiting.clear()
        self.stopped = True
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        # A cancelled future was never sent; wait() never sees it complete: drop it here.
        for future in [f for f in self.running if f.cancelled()]:
            del self.running[future]
        for future in [f for f in self.reading if f.cancelled()]:
            self.unread.extend(self.reading.pop(future))  # read here, on this thread
        try:
            self.collect(block=True)
            self.read_back()
        except Exception:
            log.exception("could not save the answers of the marks in flight")

    def add(self, txs: list[Tx]) -> None:
        """Queue these for marking (each once per run), then start what fits and apply answers."""
        for tx in txs:
            if tx.id in self.started or tx.export is None:  # export None: dealt with already
                continue
            self.started.add(tx.id)
            self.waiting.append(tx)
        self.collect(block=False)

    def _start(self) -> list[Mark]:
        """Start marks while there is room: each "running", saved (grouped) before its POST."""
        marks: list[Mark] = []
        while self.waiting and len(self.running) + len(marks) < self.in_flight:
            marks.append(self.steps._start_mark(self.waiting.popleft()))
        return marks

    def _submit(self, marks: list[Mark]) -> None:
        if marks and self.pool is None:
            self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="manage-mark")
        for mark in marks:
            self.running[self.pool.submit(self.steps._post_mark, mark)] = mark

    def collect(self, *, block: bool) -> None:
        """Apply the answers in and start the next marks (all of them, waiting, if ``block``)."""
        while True:
            done: set[Future] = set()
            if self.running or self.reading:
                timeout = None if block else 0
                pending = [*self.running, *self.reading]
                done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            if not done and not (self.waiting and len(self.running) < self.in_flight):
                return
            with self.steps._grouped():  # the answers and the next starts: one commit
                for future in done:
                    if future in self.reading:  # batch ids read back: saved here
                        self.steps._save_batch_ids(self.reading.pop(future), future.result())
                        continue
                    mark = self.running.pop(future)
                    self.steps._mark_answered(mark, future.result())
                    if mark.tx.state in (BATCHED, SKIPPED) and not mark.tx.manage_batch_id:
                        self.unread.append(mark.tx)
                marks = self._start()
            self._submit(marks)  # only once their "running" rows are committed
            self.read_back(full_only=True)
            if not block and not done:
                return

    def read_back(self, *, full_only: bool = False) -> None:
        """Read the batch ids back, ``READ_BACK`` a call (only full calls until the end).

        The GETs go to the pool, so the runner's thread goes on sending documents to QBO;
        collect() saves their answers on this thread. Once the pool is shut down (a stop),
        they are read here.
        """
        while len(self.unread) >= (READ_BACK if full_only else 1):
            chunk, self.unread = self.unread[:READ_BACK], self.unread[READ_BACK:]
            if self.pool is not None and not self.stopped:
                self.reading[self.pool.submit(self.steps._fetch_batch_ids, chunk)] = chunk
                continue
            with self.steps._grouped():
                self.steps._save_batch_ids(chunk, self.steps._fetch_batch_ids(chunk))


class ManageSteps(Steps):
    """Step 5: mark batched in Manage, only what QBO holds (or needs nothing from QBO)."""

    manage: Any
    mark_only: bool
    backoff: float
    sleep: Any
    mark_concurrency: int = DEFAULT_CONCURRENCY

    _marks: Marks | None = None

    # --- 5. mark batched in Manage, one batch per transaction -----------------------------
    @contextlib.contextmanager
    def _marking(self) -> Iterator[Marks]:
        """The run's pool of marks: what QBO holds is marked while the rest is still sent."""
        with Marks(self, self.mark_concurrency) as marks:
            self._marks = marks
            try:
                yield marks
            finally:
                self._marks = None

    def _mark_soon(self, txs: list[Tx]) -> None:
        """Start marking these now QBO has them (a chunk of documents just answered)."""
        if self._marks is not None:
            self._marks.add([t for t in txs if t.state == IN_QBO])

    def _mark_in_manage(self, txs: list[Tx]) -> None:
        if self._marks is not None:
            self._marks.add(txs)
            return
        with self._marking() as marks:
            marks.add(txs)

    def _start_mark(self, tx: Tx) -> Mark:
        label = f"{self.kind.label(tx)} → batch {tx.manage_batch_identifier}"
        self.store.action("manage", f"tx:{tx.id}", label, RUNNING, tx=tx)
        return Mark(tx, tx.manage_batch_identifier, self.kind.record_ids(tx.export), label)

    def _post_mark(self, mark: Mark) -> Answer:
        """On a worker thread: create the batch, never twice; no state is written here."""
        error: ManageError | None = None
        attempt, throttled = 0, 0
        while True:
            try:
                # The POST's body is unknown: only a batch read back gives the id.
                self.manage.create_batch(mark.ident, mark.ids, kind=self.kind.name, look_up=False)
                return Answer(True, {})
            except ManageError as exc:
                if exc.status == 429 and throttled < THROTTLED_ROUNDS:
                    # Still throttled after the client's own retries: Manage did not take it,
                    # and the transport's shared pause has slowed the whole pool. Send again.
                    throttled += 1
                    continue
                attempt += 1
                # The POST may have landed before the error (a dropped answer): look first,
                # and only send again when Manage has no batch of that name.
                error, found = exc, self._find_manage_batch(mark.ident)
                if found is not None:
                    return Answer(True, found)
                if not exc.retryable or attempt >= MARK_ATTEMPTS:
                    break
                self.sleep(min(2.0 ** (attempt - 1), 10.0) * self.backoff)
        return Answer(False, {}, error)

    def _mark_answered(self, mark: Mark, answer: Answer) -> None:
        tx = mark.tx
        if not answer.landed:
            message = f"ConnectWise did not mark it batched: {answer.error}"
            self.store.action("manage", f"tx:{tx.id}", mark.label, BAD, tx=tx, message=message)
            # _fail keeps an in_qbo transaction in_qbo: a retry then only marks it.
            self._fail(tx, message + (" A retry only marks it." if tx.state == IN_QBO else ""))
            return
        self._batched(tx, answer.batch)

    def _fetch_batch_ids(self, txs: list[Tx]) -> dict | ManageError:
        """On any thread: one GET for the created batches of up to ``READ_BACK`` of them."""
        try:
            return self.manage.find_batches([t.manage_batch_identifier for t in txs])
        except ManageError as exc:
            return exc

    def _save_batch_ids(self, txs: list[Tx], found: dict | ManageError) -> None:
        """On the runner's thread: save the batch ids read back (or say none could be)."""
        if isinstance(found, ManageError):
            self.store.log(
                f"ConnectWise did not list {len(txs)} batch(es) just created ({found}); they "
                "are batched, and an unbatch looks each one up by its name.",
                level="warning",
            )
            found = {}
        for tx in txs:
            batch = found.get(tx.manage_batch_identifier)
            if batch is not None and batch.get("id") is not None:
                tx.manage_batch_id = batch["id"]
                self.store.update(tx, manage_batch_id=batch["id"])

    def _find_manage_batch(self, tx: Tx | str) -> dict | None:
        """The batch cwqbo named for this transaction (or of this name), or None."""
        ident = tx if isinstance(tx, str) else tx.manage_batch_identifier
        try:
            return self.manage.find_batch(ident)
        except ManageError:
            return None

    def _batched(self, tx: Tx, batch: dict, adopted: bool = False) -> None:
        skip = tx.plan is not None and tx.plan.skip_reason
        state = SKIPPED if skip and tx.state != IN_QBO else BATCHED
        message = skip if state == SKIPPED else "Marked batched in ConnectWise"
        if self.mark_only:
            state, message = SKIPPED, "Marked as already exported; not sent to QuickBooks"
        if adopted:
            message += " (the batch already existed; not created again)"
        label = f"{self.kind.label(tx)} → batch {tx.manage_batch_identifier}"
        self.store.action("manage", f"tx:{tx.id}", label, OK, tx=tx, message=message)
        if skip and state == SKIPPED and not self.mark_only:
            self.store.log(f"{self.kind.label(tx)}: {skip}", tx=tx)
        tx.manage_batch_id = batch.get("id")
        self._set(tx, state, manage_batch_id=tx.manage_batch_id, message=message)
