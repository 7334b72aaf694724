"""The one small interface between the batch runner and a kind of transaction.

The runner (runner.py with steps.py, documents.py, marking.py) and the preview
(preview.py) know nothing of invoices, expenses or item receipts. They read the export,
validate every document, create what is missing, send the documents in batches of 30 and
mark each transaction as its own Manage batch, with the same states, store, exactly-once
rules, status sections, retry, unbatch and logs for every kind. What differs lives in one
module per kind, as a subclass of ``Kind`` registered in ``cwqbo.transfer.kinds.KINDS``
(keyed by ``Batch.kind``: "invoices", "expenses", "products"):

``name``              the batch kind, as stored on Batch / BatchTransaction
``noun``              "Invoice", "Expense", "Item receipt": every message names it
``export_flag``       the ExportAccountingBatchRequest flag ("exportExpensesFlag")
``export_ids_field``  the unposted row field the export takes (connectwise/assumptions.py)
``export_chunk``      how many ids one export call may carry (1 when a document cannot be
                      told apart from another of the same export, as for expenses)
``entities``          the QBO entities its documents may be (looked up by DocNumber on resume)
``documents_of(export)``       the kind's documents in a GLExport
``parties_of(export)``         the export's side data, as ``RunContext.parties``
``enrich(manage, found)``      add what only the unposted rows hold (expenses: classification)
``document_key(doc)``          the export id a document answers to (matches the row)
``match(manage, part, docs)``  {row key: document} of one export call (default: document_key)
``names_needed(docs, ctx)``    (people, items) QBOReference.load must read
``plan(doc, ctx) -> Plan``     validate one document and say what it needs; writes nothing
``body(doc, ctx, placeholders)``  the QBO create body, once every need is in ``ctx.qbo``
``record_ids(doc)``            the GL record ids its Manage batch takes
``batch_identifier(stored, doc)``  its Manage batch id, e.g. ``2020-01-01-E123zadmin``
``label(tx)``                  "Invoice 10045", "Expense 123 for Z Admin"
``qbo_entity(plan)``           the QBO entity the plan creates ("Bill", "Purchase", …)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cwqbo.transfer.context import Needed
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.settings import TransferSettings

if TYPE_CHECKING:
    from cwqbo.transfer.reference import ManageReference, QBOReference
    from cwqbo.transfer.steps import Tx

# The field of each QBO document that names its customer or vendor (adoption on resume).
PARTY_REF = {
    "Invoice": "CustomerRef",
    "CreditMemo": "CustomerRef",
    "Bill": "VendorRef",
    "Purchase": "EntityRef",
}


@dataclass
class Plan:
    """What one document needs in QBO and what is wrong with it; nothing is written."""

    entity: str | None  # "Invoice" | "CreditMemo" | "Bill" | "Purchase" | None (skipped/bad)
    doc_number: str
    party_name: str  # the QBO DisplayName of the customer or vendor
    expected_total: Decimal  # what QBO's TotalAmt should be (positive)
    problems: list[Problem]  # empty = may be sent
    needs: list[Needed]  # only what does not exist yet, in NEED_ORDER
    skip_reason: str | None = None  # batch in Manage, send nothing (e.g. no lines)
    lines: list[dict] = field(default_factory=list)  # readable lines for the dry-run preview
    note: str | None = None  # a remark for the preview and the batch log (how a party matched)
    # The Manage party to pair with the QBO record the document lands on: (kind, id, name).
    pair: tuple[str, str, str] | None = None
    # Each change made so QBO takes the document (issue 13 §4): preview and batch log.
    changes: list[str] = field(default_factory=list)

    @property
    def customer_name(self) -> str:
        return self.party_name


@dataclass
class RunContext:
    """What every document of one batch is planned against, loaded once per batch."""

    qbo: QBOReference | None
    manage: ManageReference | None
    parties: dict  # the kind's side data of the export (customers by company id, vendors…)
    settings: TransferSettings


class Kind:
    """One kind of transaction; subclasses fill in what differs (see the module docstring)."""

    name = ""
    noun = ""
    export_flag = ""
    export_ids_field = ""
    export_chunk = 100
    entities: tuple[str, ...] = ()
    reference_label = "Load QuickBooks lists"
    screen = "Manage › Finance › Accounting Interface"  # where its unposted rows are
    document_screen = "Manage"  # where one of its documents is opened in Manage

    def documents_of(self, export: dict) -> list[dict]:
        raise NotImplementedError

    def parties_of(self, export: dict) -> dict:
        return {}

    def export_hint(self, export: dict) -> str | None:
        """Say why an export may hold fewer documents than asked for (a Manage setting)."""
        return None

    def enrich(self, manage: Any, found: dict[str, dict]) -> None:
        """Add to the exported documents ({row key: document}) what only Manage's rows hold."""

    def document_key(self, doc: dict) -> str:
        return str(doc.get("id"))

    def match(self, manage: Any, part: dict[str, Any], documents: list[dict]) -> dict[str, dict]:
        """Return {row key: document} of one export call for ``part`` ({row key: export id})."""
        if len(part) == 1 and len(documents) == 1:  # one asked, one back: nothing to tell apart
            return {next(iter(part)): documents[0]}
        by_export_id = {str(v): k for k, v in part.items()}
        out: dict[str, dict] = {}
        for doc in documents:
            key = by_export_id.get(self.document_key(doc))
            if key is not None:
                out.setdefault(key, doc)
        return out

    def names_needed(self, documents: list[dict], ctx: RunContext) -> tuple[set, set]:
        raise NotImplementedError

    def plan(self, doc: dict, ctx: RunContext) -> Plan:
        raise NotImplementedError

    def body(self, doc: dict, ctx: RunContext, *, placeholders: bool = False) -> dict:
        raise NotImplementedError

    def record_ids(self, doc: dict) -> list[int]:
        raise NotImplementedError

    def batch_identifier(self, stored: str, doc: dict) -> str:
        """Return the transaction's Manage batch id (the one chosen at submit by default)."""
        return stored

    def label(self, tx: Tx) -> str:
        return f"{self.noun} {tx.number}"

    def qbo_entity(self, plan: Plan) -> str | None:
        return plan.entity

    def shown_number(self, doc: dict, plan: Plan) -> str:
        """Return the number the pages show for the document (its Manage number)."""
        return plan.doc_number

    def party(self, doc: dict) -> str:
        """Return who the document is for or from, for the preview."""
        return ""

    def currency(self, doc: dict) -> str:
        value: Any = doc.get("currency")
        value = value.get("currencyCode") if isinstance(value, dict) else None
        if isinstance(value, dict):  # Manage 2025.1 nests currencyCode as {id, name}
            value = value.get("name")
        return str(value or "")
