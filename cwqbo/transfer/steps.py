"""What a batch run shares: states, the transaction view, the store it writes to."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cwqbo.connectwise.accounting import export_shortfall
from cwqbo.transfer.invoices import InvoicePlan
from cwqbo.transfer.reference import ManageReference, QBOReference, names_needed
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.shape import company_id

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


@dataclass(frozen=True)
class Shortfall:
    """Fewer documents were exported than rows asked for: the sentence and the rows left out."""

    message: str  # "ConnectWise exported 3 of 12 invoices asked for: …"
    missing: tuple[str, ...]  # row keys no document came back for

    def __str__(self) -> str:
        return self.message


def read_export(
    manage: Any, kind: str, ids: Sequence[str]
) -> tuple[list[dict], dict, Shortfall | None]:
    """Export the transactions (unposted row keys), EXPORT_CHUNK ids a call.

    The export takes other ids than the rows' own (cwqbo.connectwise.assumptions), so the
    rows are looked up first. Returns (documents, {company id: customer}, shortfall), the
    shortfall being None when every row came back; the callers fail each missing
    transaction with it, never skip it silently.
    """
    keys = list(dict.fromkeys(str(i) for i in ids))
    wanted = manage.export_ids_for(kind, keys) if keys else {}
    export_ids = list(wanted.values())
    documents: list[dict] = []
    customers: dict[Any, dict] = {}
    for start in range(0, len(export_ids), EXPORT_CHUNK):
        export = manage.export_gl(
            kind, export_ids[start : start + EXPORT_CHUNK], summarize_invoices="Detailed"
        )
        documents.extend(export.get("transactions") or [])
        for customer in export.get("customers") or []:
            customers[company_id(customer)] = customer
    message = export_shortfall(kind, len(keys), len(documents))
    if message is None:
        return documents, customers, None
    exported = {str(doc.get("id")) for doc in documents}
    missing = tuple(k for k in keys if str(wanted.get(k)) not in exported)
    return documents, customers, Shortfall(message, missing)


def load_references(
    manage: Any, qbo: Any, documents: list[dict], customers: dict, settings: TransferSettings
) -> tuple[ManageReference, QBOReference]:
    """Load what the documents need from both systems, once for the whole batch."""
    manage_ref = ManageReference.load(manage)
    export = {"transactions": documents, "customers": list(customers.values())}
    customer_names, item_names = names_needed(export, settings, manage_ref)
    qbo_ref = QBOReference.load(qbo, customer_names=customer_names, item_names=item_names)
    return manage_ref, qbo_ref


class Steps:
    """The bookkeeping every step of a run shares."""

    store: Store

    # --- bookkeeping ------------------------------------------------------------------------
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
        self.store.log(f"Invoice {tx.number}: {message}", level="error", tx=tx)
        fields: dict[str, Any] = {"message": message}
        if problems is not None:
            fields["problems"] = problems
        if tx.state == IN_QBO or (tx.state == SENDING and not refused):
            # QBO has (or may have) the document: keep the state so a retry never sends it
            # again and still marks it in Manage.
            self.store.update(tx, **fields)
            return
        self._set(tx, FAILED, **fields)
