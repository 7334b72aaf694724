"""Run one batch of any kind: read Manage once, validate, create in QBO, mark batched — once.

No Flask, no RQ: the caller passes the kind (cwqbo.transfer.kind, registered in
cwqbo.transfer.kinds.KINDS), the two clients, a store that persists every step at once,
and the settings. Every transaction moves selected → validated → sending → in_qbo →
batched (or skipped / failed), and each state is saved before the next call, so a job
retried, resumed after a crash or run twice never creates a second QBO document nor a
second Manage batch (spec D5).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from cwqbo import modules as custom_modules
from cwqbo.connectwise import ManageError
from cwqbo.quickbooks.errors import QBOError
from cwqbo.transfer.documents import QBOSteps
from cwqbo.transfer.duplicates import candidate, duplicate_problems
from cwqbo.transfer.invoices import INVOICES
from cwqbo.transfer.kind import Kind, RunContext
from cwqbo.transfer.marking import ManageSteps
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import (
    BAD,
    BATCHED,
    FAILED,
    IN_QBO,
    OK,
    RUNNING,
    SELECTED,
    SENDING,
    SKIPPED,
    VALIDATED,
    Outcome,
    Store,
    Tx,
    load_references,
    read_export,
)
from cwqbo.wording import plural

log = logging.getLogger(__name__)


class Runner(QBOSteps, ManageSteps):
    """Transfer a batch of Manage transactions of one kind into one QBO company."""

    def __init__(
        self,
        kind: Kind,
        batch_key: str,
        manage: Any,
        qbo: Any | None,
        store: Store,
        settings: TransferSettings,
        *,
        mark_only: bool = False,
        sleep: Any = time.sleep,
        backoff: float = 0.5,
        modules: custom_modules.Modules | None = None,
    ) -> None:
        self.modules = modules if modules is not None else custom_modules.installed()
        self.sleep, self.backoff = sleep, backoff
        self.batch_key = batch_key
        self.manage, self.qbo, self.store, self.settings = manage, qbo, store, settings
        self.mark_only = mark_only
        self.kind = kind
        self.parties: dict = {}
        self.qbo_ref: Any = None
        self.manage_ref: Any = None

    @property
    def ctx(self) -> RunContext:
        """What the kind plans each document against (loaded once by validation)."""
        return RunContext(self.qbo_ref, self.manage_ref, self.parties, self.settings)

    # --- the run -------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Take every unfinished transaction of the batch as far as it can go."""
        txs = self.store.pending()
        outcome = Outcome(total=len(txs))
        if txs:
            self._read_manage(txs)
            with self._marking():  # marks start as soon as QBO holds a chunk (overlap)
                if self.mark_only:
                    ready = [t for t in txs if t.state != FAILED]
                else:
                    ready = self._to_qbo([t for t in txs if t.state != FAILED])
                self._mark_in_manage(ready)
        outcome.done = sum(t.state in (BATCHED, SKIPPED) for t in txs)
        outcome.failed = outcome.total - outcome.done
        outcome.calls = {
            "manage": getattr(getattr(self.manage, "transport", None), "calls", 0),
            "qbo": getattr(self.qbo, "calls", 0),
        }
        for failure in self.modules.batch_ended(self.batch_key, self.kind.name, outcome):
            self.store.log(f"{failure}. The batch itself is unaffected.", level="error")
        return outcome

    def _to_qbo(self, txs: list[Tx]) -> list[Tx]:
        fresh = [t for t in txs if t.state not in (IN_QBO, BATCHED, SKIPPED)]
        if fresh and self._validate(fresh):
            self._create_needs([t for t in fresh if t.state == VALIDATED and t.plan.needs])
            self._create_documents([t for t in fresh if t.state in (VALIDATED, SENDING)])
        return [t for t in txs if t.state in (IN_QBO, SKIPPED, VALIDATED) and self._markable(t)]

    def _send_chunk(self, chunk: list[Tx]) -> None:
        super()._send_chunk(chunk)
        self._mark_soon(chunk)  # marked while the next chunk goes to QBO

    @staticmethod
    def _markable(tx: Tx) -> bool:
        return tx.state == IN_QBO or (tx.plan is not None and tx.plan.skip_reason is not None)

    # --- 1. Manage: one export for the whole batch ------------------------------------------
    def _read_manage(self, txs: list[Tx]) -> None:
        noun = self.kind.noun.lower()
        key, label = "export", f"Read {plural(len(txs), noun)} from ConnectWise"
        self.store.action("validation", key, label, RUNNING)
        try:
            found, self.parties, shortfall = read_export(
                self.manage, self.kind, [t.manage_id for t in txs]
            )
        except ManageError as exc:
            self.store.action("validation", key, label, BAD, message=str(exc))
            for tx in txs:
                self._fail(tx, f"ConnectWise could not export this {noun}: {exc}")
            return
        self.store.action("validation", key, label, OK, message=f"{len(found)} exported")
        with self._grouped():  # nothing is sent for these before the group's commit
            for tx in txs:
                tx.export = found.get(tx.manage_id)
                if tx.export is None:
                    self._gone_from_manage(tx, shortfall)
                elif tx.state not in (BATCHED, SKIPPED):
                    self._identify(tx)

    def _identify(self, tx: Tx) -> None:
        """Give the transaction its Manage batch id, where the kind takes it from the export."""
        ident = self.kind.batch_identifier(tx.manage_batch_identifier, tx.export)[:50]
        if ident and ident != tx.manage_batch_identifier:
            tx.manage_batch_identifier = ident
            self.store.update(tx, manage_batch_identifier=ident)

    def _gone_from_manage(self, tx: Tx, shortfall: str | None = None) -> None:
        """It is not in the export: adopt our own batch if it made it, else fail."""
        found = self._find_manage_batch(tx)
        if found is not None:  # only cwqbo names batches this way, and only after QBO has it
            self._batched(tx, found, adopted=True)
            return
        self._fail(
            tx,
            (f"{shortfall}. " if shortfall else "")
            + f"{self.kind.label(tx)} was not in the export: it is not unposted in ConnectWise "
            "under the id cwqbo sent (it was batched elsewhere or reopened, or this Manage "
            f"expects other ids). Check it in {self.kind.screen}.",
        )

    # --- 2. validation, all before any write ----------------------------------------------
    def _validate(self, txs: list[Tx]) -> bool:
        label = self.kind.reference_label
        self.store.action("validation", "reference", label, RUNNING)
        try:
            documents = [t.export for t in txs]
            ctx = load_references(
                self.manage, self.qbo, self.kind, documents, self.parties, self.settings
            )
        except (QBOError, ManageError) as exc:
            self.store.action("validation", "reference", label, BAD, message=str(exc))
            noun = self.kind.noun.lower()
            for tx in txs:
                self._fail(tx, f"Could not load the lists needed to check this {noun}: {exc}")
            return False
        self.manage_ref, self.qbo_ref = ctx.manage, ctx.qbo
        self.store.action("validation", "reference", label, OK)
        with self._grouped():
            planned = [tx for tx in txs if self._plan_one(tx)]
        try:
            self._check_numbers(planned)
        except QBOError as exc:
            self.store.action("validation", "reference", label, BAD, message=str(exc))
            for tx in planned:
                self._fail(tx, f"Could not check the document numbers in QuickBooks: {exc}")
            return False
        with self._grouped():  # validation writes, one commit before anything is created
            for tx in planned:
                self._validate_one(tx)
        return True

    def _plan_one(self, tx: Tx) -> bool:
        key, label = f"tx:{tx.id}", self.kind.label(tx)
        try:
            tx.plan = self.kind.plan(tx.export, self.ctx)
        except Exception as exc:  # bad data from Manage must not stop the other documents
            log.exception("planning %s failed", label)
            noun = self.kind.noun.lower()
            message = f"ConnectWise sent data cwqbo cannot read for this {noun}: {exc!r}"
            self.store.action("validation", key, label, BAD, tx=tx, message=message)
            self._fail(tx, message)
            return False
        plan = tx.plan
        plan.problems = plan.problems + self.modules.problems(self.kind.name, tx.export, plan)
        return True

    def _check_numbers(self, txs: list[Tx]) -> None:
        """A number QBO already holds is a problem now, before anything is written (§2)."""
        # A transaction already "sending" may be in QBO by now: documents.py adopts it.
        txs = [t for t in txs if t.state in (SELECTED, VALIDATED) and not t.plan.problems]
        found = duplicate_problems(self.qbo, [candidate(t.plan, t.qbo_id, t.previous) for t in txs])
        for tx, problem in zip(txs, found, strict=True):
            if problem is not None:
                tx.plan.problems = [*tx.plan.problems, problem]

    def _validate_one(self, tx: Tx) -> None:
        key, label = f"tx:{tx.id}", self.kind.label(tx)
        plan = tx.plan
        if plan.problems:
            problems = [p.as_dict() for p in plan.problems]
            text = " ".join(str(p) for p in plan.problems)
            self.store.action("validation", key, label, BAD, tx=tx, message=text)
            self._fail(
                tx, f"{plural(len(problems), 'problem')} to fix before it can be sent.", problems
            )
            return
        message = plan.skip_reason or "Ready to send"
        note = getattr(plan, "note", None)  # a kind's remark worth a log line (procurement)
        if note:
            self.store.log(f"{label}: {note}", tx=tx)
        self.store.action("validation", key, label, OK, tx=tx, message=message)
        if tx.state == SELECTED:
            for change in plan.changes:  # said once, when it is first validated (§4)
                self.store.log(f"{label}: changed for QuickBooks: {change}", tx=tx)
            self._set(tx, VALIDATED, message="")


class InvoiceRunner(Runner):
    """The runner for invoices (the first kind; tests and benchmarks build it by name)."""

    def __init__(self, batch_key: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(INVOICES, batch_key, *args, **kwargs)
