"""What a batch run shares: states, the transaction view, the store it writes to."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from cwqbo.connectwise.accounting import LOOKUP_CHUNK, export_shortfall
from cwqbo.transfer.kind import Kind, Plan, RunContext
from cwqbo.transfer.reference import ManageReference, QBOReference

DOC_CHUNK = 30
EXPORTS_AT_ONCE = 4  # GL export calls in flight while a batch is read
MARK_ATTEMPTS = 4
NEED_SECTION = {
    "Term": "terms",
    "Class": "classes",
    "Department": "locations",
    "Customer": "customers",
    "Vendor": "vendors",
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
    plan: Plan | None = field(default=None, repr=False)


class Store(Protocol):
    """Durable bookkeeping of one batch (implemented on the database by the app).

    Each write is durable when the call returns, except inside the store's optional
    ``grouped()`` context, whose writes are all durable when it ends (see Steps._grouped).
    """

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


@dataclass(frozen=True)
class Shortfall:
    """Fewer documents were exported than rows asked for: the sentence and the rows left out."""

    message: str  # "ConnectWise exported 3 of 12 invoices asked for: …"
    missing: tuple[str, ...]  # row keys no document came back for

    def __str__(self) -> str:
        return self.message


def read_export(
    manage: Any, kind: Kind, ids: Sequence[str]
) -> tuple[dict[str, dict], dict, Shortfall | None]:
    """Export the transactions (unposted row keys), ``kind.export_chunk`` ids a call.

    The export takes other ids than the rows' own (cwqbo.connectwise.assumptions), so the
    rows are looked up first. Returns ({row key: document}, the kind's parties, shortfall),
    the shortfall being None when every row came back; the callers fail each missing
    transaction with it, never skip it silently.
    """
    keys = list(dict.fromkeys(str(i) for i in ids))
    wanted = _export_ids(manage, kind, keys)
    found: dict[str, dict] = {}
    parties: dict[Any, dict] = {}
    hints: list[str] = []
    chunk = kind.export_chunk
    asked = [k for k in keys if k in wanted]
    starts = range(0, len(asked), chunk)
    parts = [{k: wanted[k] for k in asked[start : start + chunk]} for start in starts]

    def export_of(part: dict) -> dict:
        return manage.export_gl(kind.name, list(part.values()), summarize_invoices="Detailed")

    # The export calls are independent reads: a few at once (the client is thread-safe, its
    # 429 pause shared); their answers are used in order, on this thread.
    with ThreadPoolExecutor(EXPORTS_AT_ONCE, thread_name_prefix="manage-export") as pool:
        exports = list(pool.map(export_of, parts)) if len(parts) > 1 else map(export_of, parts)
        pairs = list(zip(parts, exports, strict=True))
    for part, export in pairs:
        parties.update(kind.parties_of(export))
        hint = kind.export_hint(export)
        if hint and hint not in hints:
            hints.append(hint)
        for key, doc in kind.match(manage, part, kind.documents_of(export)).items():
            found.setdefault(key, doc)
    if found:
        kind.enrich(manage, found)
    message = export_shortfall(kind.name, len(keys), len(found))
    if message is None:
        return found, parties, None
    message += "".join(f". {h}" for h in hints)
    missing = tuple(k for k in keys if k not in found)
    return found, parties, Shortfall(message, missing)


def _export_ids(manage: Any, kind: Kind, keys: list[str]) -> dict:
    """{row key: export id}: the look-ups (LOOKUP_CHUNK rows a GET) a few at once."""
    parts = [keys[start : start + LOOKUP_CHUNK] for start in range(0, len(keys), LOOKUP_CHUNK)]
    if len(parts) <= 1:
        return manage.export_ids_for(kind.name, keys) if keys else {}
    with ThreadPoolExecutor(EXPORTS_AT_ONCE, thread_name_prefix="manage-lookup") as pool:
        found = pool.map(lambda part: manage.export_ids_for(kind.name, part), parts)
        return {key: value for part in found for key, value in part.items()}


def load_references(
    manage: Any, qbo: Any, kind: Kind, documents: list[dict], parties: dict, settings: Any
) -> RunContext:
    """Load what the documents need from both systems, once for the whole batch."""
    ctx = RunContext(None, ManageReference.load(manage), parties, settings)
    people, items = kind.names_needed(documents, ctx)
    ctx.qbo = QBOReference.load(qbo, customer_names=people, item_names=items)
    return ctx


class Steps:
    """The bookkeeping every step of a run shares."""

    store: Store
    kind: Kind

    # --- bookkeeping ------------------------------------------------------------------------
    def _grouped(self) -> contextlib.AbstractContextManager:
        """Make the writes inside durable together, in one commit, when the block ends.

        Exactly-once only asks that a transaction's state be durable before the next API call
        made for that transaction, so the writes between two calls are grouped: a chunk's
        "sending" rows before its QBO request, its "in_qbo" rows once QBO answered, the
        marks' "running" rows before their POSTs go out, and their answers as they come in.
        No block ever holds a write across a call made for the same transaction.
        """
        grouped = getattr(self.store, "grouped", None)
        return grouped() if grouped is not None else contextlib.nullcontext()

    def _set(self, tx: Tx, state: str, **fields: Any) -> None:
        tx.state = state
        self.store.update(tx, state=state, **fields)

    def _fail(
        self,
        tx: Tx,
        message: str,
        problems: list[dict] | None = None,
        *,
        refused: bool = False,
    ) -> None:
        """Record a failure; ``refused`` says QBO answered that it did not create the document."""
        self.store.log(f"{self.kind.label(tx)}: {message}", level="error", tx=tx)
        fields: dict[str, Any] = {"message": message}
        if problems is not None:
            fields["problems"] = problems
        if tx.state == IN_QBO or (tx.state == SENDING and not refused):
            # QBO has (or may have) the document: keep the state so a retry never sends it
            # again and still marks it in Manage.
            self.store.update(tx, **fields)
            return
        self._set(tx, FAILED, **fields)
