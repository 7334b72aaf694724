"""Run one batch: read Manage once, validate, create in QBO, mark batched — exactly once.

No Flask, no RQ: the caller passes the two clients, a store that persists every step at
once, and the settings. Every transaction moves selected → validated → sending → in_qbo →
batched (or skipped / failed), and each state is saved before the next call, so a job
retried, resumed after a crash or run twice never creates a second QBO document nor a
second Manage batch (spec D5).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from cwqbo.connectwise import ManageError
from cwqbo.connectwise.glexport import invoice_record_ids
from cwqbo.quickbooks.client import BatchOp
from cwqbo.quickbooks.errors import QBODuplicateDocNumber, QBOError
from cwqbo.quickbooks.query import in_queries
from cwqbo.transfer.invoices import NO_LINES, InvoicePlan, invoice_body, plan_invoice
from cwqbo.transfer.reference import ManageReference, QBOReference, names_needed
from cwqbo.transfer.settings import TransferSettings

log = logging.getLogger(__name__)

EXPORT_CHUNK = 100
DOC_CHUNK = 30
MARK_ATTEMPTS = 4
# Order in which missing objects are created: later ones may refer to earlier ones.
NEED_ORDER = ("Term", "Class", "Department", "Customer", "Item")
NEED_SECTION = {
    "Term": "terms",
    "Class": "classes",
    "Department": "locations",
    "Customer": "customers",
    "Item": "items",
}

# States (the same strings as cwqbo.models.BatchTransaction, which the store persists).
SELECTED, VALIDATED, SENDING, IN_QBO = "selected", "validated", "sending", "in_qbo"
BATCHED, SKIPPED, FAILED = "batched", "skipped", "failed"
OK, RUNNING, BAD = "succeeded", "running", "failed"


@dataclass
class Tx:
    """What the runner knows of one transaction; the store keeps it in step with the DB."""

    id: int
    manage_id: str
    record_id: str | None
    number: str
    state: str
    manage_batch_identifier: str
    qbo_entity: str | None = None
    qbo_id: str | None = None
    manage_batch_id: int | None = None
    # The QBO document an earlier, since unbatched, transfer of the same Manage transaction
    # left behind: {"entity", "id", "voided"}.
    previous: dict | None = None
    export: dict | None = field(default=None, repr=False)
    plan: InvoicePlan | None = field(default=None, repr=False)


class Store(Protocol):
    """Durable bookkeeping of one batch (implemented on the database by the app)."""

    def pending(self) -> list[Tx]: ...

    def update(self, tx: Tx, **fields: Any) -> None: ...

    def action(self, section: str, key: str, label: str, state: str, **fields: Any) -> None: ...

    def log(self, message: str, *, level: str = "info", tx: Tx | None = None) -> None: ...


@dataclass
class Outcome:
    """How a run ended."""

    total: int = 0
    done: int = 0
    failed: int = 0
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def digest(values: Sequence[object]) -> str:
    return hashlib.sha1("|".join(map(str, values)).encode()).hexdigest()[:16]


class InvoiceRunner:
    """Transfer a batch of Manage invoices into one QBO company."""

    kind = "invoices"

    def __init__(
        self,
        batch_key: str,
        manage: Any,
        qbo: Any | None,
        store: Store,
        settings: TransferSettings,
        *,
        mark_only: bool = False,
        sleep: Any = time.sleep,
        backoff: float = 0.5,
    ) -> None:
        self.sleep, self.backoff = sleep, backoff
        self.batch_key = batch_key
        self.manage, self.qbo, self.store, self.settings = manage, qbo, store, settings
        self.mark_only = mark_only
        self.customers: dict[int, dict] = {}

    # --- the run -------------------------------------------------------------------------
    def run(self) -> Outcome:
        """Take every unfinished transaction of the batch as far as it can go."""
        txs = self.store.pending()
        outcome = Outcome(total=len(txs))
        if txs:
            self._read_manage(txs)
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
        return outcome

    def _to_qbo(self, txs: list[Tx]) -> list[Tx]:
        fresh = [t for t in txs if t.state not in (IN_QBO, BATCHED, SKIPPED)]
        if fresh and self._validate(fresh):
            self._create_needs([t for t in fresh if t.state == VALIDATED and t.plan.needs])
            self._create_documents([t for t in fresh if t.state in (VALIDATED, SENDING)])
        return [t for t in txs if t.state in (IN_QBO, SKIPPED, VALIDATED) and self._markable(t)]

    @staticmethod
    def _markable(tx: Tx) -> bool:
        return tx.state == IN_QBO or (tx.plan is not None and tx.plan.skip_reason is not None)

    # --- 1. Manage: one export for the whole batch ------------------------------------------
    def _read_manage(self, txs: list[Tx]) -> None:
        key, label = "export", f"Read {len(txs)} invoice(s) from ConnectWise"
        self.store.action("validation", key, label, RUNNING)
        by_record: dict[str, dict] = {}
        by_number: dict[str, dict] = {}
        try:
            for start in range(0, len(txs), EXPORT_CHUNK):
                chunk = txs[start : start + EXPORT_CHUNK]
                export = self.manage.export_gl(
                    self.kind, [t.manage_id for t in chunk], summarize_invoices="Detailed"
                )
                for customer in export.get("customers") or []:
                    self.customers[(customer.get("company") or {}).get("id")] = customer
                for doc in export.get("transactions") or []:
                    by_record[str(doc.get("id"))] = doc
                    by_number[str(doc.get("documentNumber"))] = doc
        except ManageError as exc:
            self.store.action("validation", key, label, BAD, message=str(exc))
            for tx in txs:
                self._fail(tx, f"ConnectWise could not export this invoice: {exc}")
            return
        self.store.action("validation", key, label, OK, message=f"{len(by_record)} exported")
        for tx in txs:
            tx.export = by_record.get(str(tx.record_id)) or by_number.get(tx.number)
            if tx.export is None:
                self._gone_from_manage(tx)

    def _gone_from_manage(self, tx: Tx) -> None:
        """The invoice is no longer unposted: adopt our own batch if it made it, else fail."""
        found = self._find_manage_batch(tx)
        if found is not None:  # only cwqbo names batches this way, and only after QBO has it
            self._batched(tx, found, adopted=True)
            return
        self._fail(
            tx,
            "This invoice is no longer in ConnectWise's unposted invoices (it was batched "
            "elsewhere or reopened). Check it in Manage › Finance › Accounting Interface.",
        )

    # --- 2. validation, all before any write ----------------------------------------------
    def _validate(self, txs: list[Tx]) -> bool:
        label = "Load QuickBooks lists (accounts, tax codes, terms, customers, items)"
        self.store.action("validation", "reference", label, RUNNING)
        export = {
            "transactions": [t.export for t in txs],
            "customers": list(self.customers.values()),
        }
        try:
            self.manage_ref = ManageReference.load(self.manage)
            customer_names, item_names = names_needed(export, self.settings, self.manage_ref)
            self.qbo_ref = QBOReference.load(
                self.qbo, customer_names=customer_names, item_names=item_names
            )
        except (QBOError, ManageError) as exc:
            self.store.action("validation", "reference", label, BAD, message=str(exc))
            for tx in txs:
                self._fail(tx, f"Could not load the lists needed to check this invoice: {exc}")
            return False
        self.store.action("validation", "reference", label, OK)
        for tx in txs:
            self._validate_one(tx)
        return True

    def _validate_one(self, tx: Tx) -> None:
        customer = self.customers.get((tx.export.get("company") or {}).get("id"))
        key, label = f"tx:{tx.id}", f"Invoice {tx.number}"
        try:
            tx.plan = plan_invoice(
                tx.export, customer, self.qbo_ref, self.manage_ref, self.settings
            )
        except Exception as exc:  # bad data from Manage must not stop the other invoices
            log.exception("planning invoice %s failed", tx.number)
            message = f"ConnectWise sent data cwqbo cannot read for this invoice: {exc!r}"
            self.store.action("validation", key, label, BAD, tx=tx, message=message)
            self._fail(tx, message)
            return
        plan = tx.plan
        if plan.problems:
            problems = [p.as_dict() for p in plan.problems]
            text = " ".join(str(p) for p in plan.problems)
            self.store.action("validation", key, label, BAD, tx=tx, message=text)
            self._fail(tx, f"{len(problems)} problem(s) to fix before it can be sent.", problems)
            return
        message = plan.skip_reason or "Ready to send"
        self.store.action("validation", key, label, OK, tx=tx, message=message)
        if tx.state == SELECTED:
            self._set(tx, VALIDATED, message="")

    # --- 3. contacts, items, terms, classes, locations ----------------------------------
    def _create_needs(self, txs: list[Tx]) -> None:
        wanted: dict[tuple[str, str], Any] = {}
        users: dict[tuple[str, str], list[Tx]] = {}
        for tx in txs:
            for need in tx.plan.needs:
                key = (need.entity, need.name.lower())
                wanted.setdefault(key, need)
                users.setdefault(key, []).append(tx)
        for entity in NEED_ORDER:
            needs = [n for (e, _), n in wanted.items() if e == entity]
            needs = [n for n in needs if self.qbo_ref.find(entity, n.name) is None]
            if needs:
                self._create_group(entity, needs, users)

    def _create_group(self, entity: str, needs: list, users: dict) -> None:
        section = NEED_SECTION[entity]
        for need in needs:
            self.store.action(section, need.name.lower(), need.label, RUNNING, sent=need.body)
        ops = [BatchOp("create", entity, need.body) for need in needs]
        key = f"{self.batch_key}:{entity}:{digest(sorted(n.name.lower() for n in needs))}"
        try:
            results = self.qbo.batch(ops, key)
        except QBOError as exc:
            results = [exc] * len(needs)
        for need, result in zip(needs, results, strict=True):
            error = result if isinstance(result, QBOError) else result.error
            name_key = need.name.lower()
            if error is None:
                self.qbo_ref.add(entity, result.entity)
                self.store.action(
                    section,
                    name_key,
                    need.label,
                    OK,
                    message="Created in QuickBooks",
                    qbo_entity=entity,
                    qbo_id=result.entity.get("Id"),
                    received=result.entity,
                )
                continue
            message = f"QuickBooks refused to create {need.label}: {error}"
            self.store.action(section, name_key, need.label, BAD, message=message)
            for tx in users.get((entity, name_key), []):
                if tx.state != FAILED:
                    self._fail(tx, message)

    # --- 4. the documents -----------------------------------------------------------------
    def _create_documents(self, txs: list[Tx]) -> None:
        sendable = [t for t in txs if t.plan is not None and t.plan.skip_reason is None]
        self._adopt_existing([t for t in sendable if t.state == SENDING])
        for tx in sendable:
            if tx.state == VALIDATED and tx.previous and not tx.previous["voided"]:
                self._reuse_previous(tx)
        todo = [t for t in sendable if t.state in (VALIDATED, SENDING)]
        for start in range(0, len(todo), DOC_CHUNK):
            self._send_chunk(todo[start : start + DOC_CHUNK])

    def _adopt_existing(self, txs: list[Tx]) -> None:
        """A resumed transaction may already be in QBO: look for its DocNumber first."""
        for entity in ("Invoice", "CreditMemo"):
            mine = {t.plan.doc_number: t for t in txs if t.plan.entity == entity}
            if not mine:
                continue
            for sql in in_queries(entity, "DocNumber", sorted(mine)):
                for doc in self.qbo.query_all(sql):
                    tx = mine.get(doc.get("DocNumber"))
                    customer = (doc.get("CustomerRef") or {}).get("name", "")
                    if tx is None or tx.state != SENDING:
                        continue
                    if customer and customer.lower() != tx.plan.customer_name.lower():
                        continue
                    self.store.log(
                        f"{entity} {tx.plan.doc_number} was already in QuickBooks "
                        f"(id {doc['Id']}); not created again.",
                        tx=tx,
                    )
                    self._in_qbo(tx, entity, doc)

    def _reuse_previous(self, tx: Tx) -> None:
        """An unbatched transaction's QBO copy was kept: use it again, never a second one."""
        entity, doc_id = tx.previous["entity"], tx.previous["id"]
        try:
            doc = self.qbo.read(entity, doc_id)
        except QBOError:
            return  # gone from QBO (deleted there): create it afresh
        self.store.log(
            f"{entity} {doc.get('DocNumber', tx.number)} (id {doc_id}) was kept in QuickBooks "
            "when this invoice was unbatched; it is used again, not created twice. If the "
            "invoice changed in ConnectWise, unbatch it with 'Also void' and send it again.",
            tx=tx,
        )
        self._in_qbo(tx, entity, doc)

    def _send_chunk(self, chunk: list[Tx]) -> None:
        ops, sent = [], []
        for tx in chunk:
            try:
                body = invoice_body(
                    tx.export,
                    self.customers.get((tx.export.get("company") or {}).get("id")),
                    self.qbo_ref,
                    self.manage_ref,
                    self.settings,
                )
            except Exception as exc:  # a reference that could not be created, bad data
                self._fail(tx, f"Could not build the QuickBooks {tx.plan.entity}: {exc}")
                continue
            # QBO keeps a voided document's number: a re-send after "unbatch and void" must
            # be allowed to use it again.
            options = "allowduplicatedocnum" if tx.previous and tx.previous["voided"] else None
            ops.append(BatchOp("create", tx.plan.entity, body, options=options))
            sent.append(tx)
            label = f"{tx.plan.entity} {tx.plan.doc_number}"
            self.store.action("documents", f"tx:{tx.id}", label, RUNNING, tx=tx, sent=body)
            # Saved before the call: from here on a resume must look in QBO first.
            self._set(tx, SENDING, message="")
        if not ops:
            return
        try:
            results = self.qbo.batch(ops, f"{self.batch_key}:docs:{digest([t.id for t in sent])}")
        except QBOError as exc:
            for tx in sent:
                message = (
                    f"QuickBooks did not answer ({exc}). It may or may not have the "
                    "document; a retry looks for it in QuickBooks before creating it."
                )
                self.store.action(
                    "documents", f"tx:{tx.id}", self._doc_label(tx), BAD, tx=tx, message=message
                )
                self.store.update(tx, message=message)
            return
        for tx, result in zip(sent, results, strict=True):
            if result.ok:
                self._in_qbo(tx, tx.plan.entity, result.entity)
            else:
                message = f"QuickBooks refused the {tx.plan.entity}: {result.error}"
                if isinstance(result.error, QBODuplicateDocNumber):
                    message += (
                        ". QuickBooks already has a document with this number: if it is this "
                        "invoice, use Mark as already exported; otherwise void or renumber it "
                        "in QuickBooks, then retry."
                    )
                self.store.action(
                    "documents",
                    f"tx:{tx.id}",
                    self._doc_label(tx),
                    BAD,
                    tx=tx,
                    message=message,
                    received={"error": str(result.error)},
                )
                tx.state = VALIDATED  # a refusal is definite: QBO did not create it
                self._fail(tx, message)

    @staticmethod
    def _doc_label(tx: Tx) -> str:
        return f"{tx.plan.entity} {tx.plan.doc_number}"

    def _in_qbo(self, tx: Tx, entity: str, doc: dict) -> None:
        message = "Created in QuickBooks"
        total = Decimal(str(doc.get("TotalAmt", "0")))
        if tx.plan is not None and total != tx.plan.expected_total:
            message += (
                f"; note: QuickBooks total {total} differs from ConnectWise total "
                f"{tx.plan.expected_total}"
            )
        self.store.action(
            "documents",
            f"tx:{tx.id}",
            f"{entity} {doc.get('DocNumber', tx.number)}",
            OK,
            tx=tx,
            message=message,
            qbo_entity=entity,
            qbo_id=doc["Id"],
            received=doc,
        )
        tx.qbo_entity, tx.qbo_id = entity, str(doc["Id"])
        self._set(
            tx,
            IN_QBO,
            qbo_entity=entity,
            qbo_id=tx.qbo_id,
            qbo_doc_number=doc.get("DocNumber"),
            message="",
        )

    # --- 5. mark batched in Manage, one batch per transaction -----------------------------
    def _mark_in_manage(self, txs: list[Tx]) -> None:
        for tx in txs:
            self._mark_one(tx)

    def _mark_one(self, tx: Tx) -> None:
        ident = tx.manage_batch_identifier
        label = f"Invoice {tx.number} → batch {ident}"
        self.store.action("manage", f"tx:{tx.id}", label, RUNNING, tx=tx)
        if tx.export is None:
            return
        ids = invoice_record_ids(tx.export)
        error: ManageError | None = None
        for attempt in range(MARK_ATTEMPTS):
            try:
                batch = self.manage.create_batch(ident, ids, kind=self.kind)
                break
            except ManageError as exc:
                # The POST may have landed before the error (a dropped answer): look first,
                # and only send again when Manage has no batch of that name.
                error, batch = exc, self._find_manage_batch(tx)
                if batch is not None or not exc.retryable:
                    break
                self.sleep(min(2.0**attempt, 10.0) * self.backoff)
        if batch is None:
            message = f"ConnectWise did not mark it batched: {error}"
            self.store.action("manage", f"tx:{tx.id}", label, BAD, tx=tx, message=message)
            if tx.state == IN_QBO:
                self.store.update(tx, message=message + " A retry only marks it.")
            else:
                self._fail(tx, message)
            return
        self._batched(tx, batch)

    def _find_manage_batch(self, tx: Tx) -> dict | None:
        try:
            return self.manage.find_batch(tx.manage_batch_identifier)
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
        label = f"Invoice {tx.number} → batch {tx.manage_batch_identifier}"
        self.store.action("manage", f"tx:{tx.id}", label, OK, tx=tx, message=message)
        if skip == NO_LINES and state == SKIPPED:
            self.store.log(f"Invoice {tx.number}: {NO_LINES}", tx=tx)
        self._set(tx, state, manage_batch_id=batch.get("id"), message=message)

    # --- bookkeeping ------------------------------------------------------------------------
    def _set(self, tx: Tx, state: str, **fields: Any) -> None:
        tx.state = state
        self.store.update(tx, state=state, **fields)

    def _fail(self, tx: Tx, message: str, problems: list[dict] | None = None) -> None:
        self.store.log(f"Invoice {tx.number}: {message}", level="error", tx=tx)
        fields: dict[str, Any] = {"message": message}
        if problems is not None:
            fields["problems"] = problems
        if tx.state in (IN_QBO, SENDING):
            # QBO has (or may have) the document: keep the state so a retry never sends it
            # again and still marks it in Manage.
            self.store.update(tx, **fields)
            return
        self._set(tx, FAILED, **fields)
