"""Item receipts (Manage procurement) → QBO Bills with item lines, behind the Kind interface.

Batch id ``YYYY-mm-dd-P<PO number>`` (seed "Assigning the Batch ID"). A PO received in parts
has one unposted row per receipt, each its own Manage batch: the second receipt of a PO that
cwqbo sees gets ``-2``, the third ``-3`` (``receipt_identifier``; the ordinal is the rank of
the receipt among every receipt of that PO cwqbo has ever batched, so it never changes on a
retry, resume or re-submit). The same ordinal suffixes the Bill's DocNumber (mapping.py), so
two receipts carrying one vendor invoice number are two bills, and a resumed receipt is never
taken for its sibling.
"""

from __future__ import annotations

import re

from cwqbo.connectwise import assumptions as CA
from cwqbo.connectwise.glexport import purchase_record_ids
from cwqbo.transfer import names as N
from cwqbo.transfer.kind import Kind, Plan, RunContext
from cwqbo.transfer.pairing import forms
from cwqbo.transfer.procurement.mapping import (
    NOUN,
    RECEIPT_KEY,
    doc_number,
    item_names,
    plan_receipt,
    receipt_body,
    receipt_ordinal,
)
from cwqbo.transfer.procurement.vendor import vendor_party
from cwqbo.transfer.shape import company_id

__all__ = [
    "PROCUREMENT",
    "ProcurementKind",
    "doc_number",
    "plan_receipt",
    "receipt_body",
    "receipt_identifier",
    "receipt_ordinal",
]

_SUFFIX = re.compile(r"-(\d{1,3})$")


def receipt_identifier(base: str, ordinal: int) -> str:
    """Return the Manage batch id of the ``ordinal``-th receipt of a PO (1 keeps ``base``)."""
    if ordinal <= 1:
        return base[:50]
    suffix = f"-{ordinal}"
    return base[: 50 - len(suffix)] + suffix


def natural(key: str) -> tuple[int, str]:
    """Order row keys such as "7002-purchase" by their number, then as text."""
    digits = re.match(r"\d+", key)
    return (int(digits.group()) if digits else -1, key)


def ordinal_of(identifier: str, po_number: str) -> int:
    """Read the receipt ordinal back from a batch id made by ``receipt_identifier``."""
    marker = f"-P{po_number}"
    at = identifier.find(marker)
    rest = identifier[at + len(marker) :] if at >= 0 else identifier
    found = _SUFFIX.fullmatch(rest) if at >= 0 else None
    return int(found.group(1)) if found else 1


class ProcurementKind(Kind):
    """Manage item receipts → QBO Bills to the vendor, with item lines."""

    name = "products"
    noun = NOUN
    export_flag = "exportProductsFlag"
    export_ids_field = CA.PRODUCT_EXPORT_ID_FIELD
    # A GLExportPurchaseTransaction's id ("PO #X, Packing Slip: Y") is not the unposted
    # row's unpostedProductId, and two receipts of one PO share PO and vendor invoice
    # number: one receipt per export call is the only sure way to tell them apart.
    export_chunk = 1
    entities = ("Bill",)
    reference_label = "Load QuickBooks lists (accounts, tax codes, vendors, items)"
    screen = "Manage › Finance › Accounting Interface › Unposted Procurement"

    def documents_of(self, export: dict) -> list[dict]:
        return export.get("purchaseTransactions") or []

    def parties_of(self, export: dict) -> dict:
        out = {}
        for row in export.get("vendors") or []:
            company = row.get("company") or row.get("vendor")
            if isinstance(company, dict) and not row.get("member"):
                out[company.get("id")] = row
        return out

    def export_hint(self, export: dict) -> str | None:
        if export.get("adjustmentTransactions") or export.get("inventoryTransfers"):
            return (
                "Manage exported inventory adjustments or transfers instead: cwqbo transfers "
                "item receipts (procurement type Purchase) only"
            )
        return None

    def enrich(self, manage: object, found: dict[str, dict]) -> None:
        """Number the receipts of one PO within the selection (what a preview shows).

        A run then takes each receipt's number from its stored Manage batch id instead
        (``batch_identifier``), which also counts the PO's receipts of earlier batches.
        """
        by_po: dict[str, list[str]] = {}
        for key in sorted(found, key=natural):
            by_po.setdefault(N.clean(found[key].get("documentNumber")), []).append(key)
        for keys in by_po.values():
            for n, key in enumerate(keys, start=1):
                found[key].setdefault(RECEIPT_KEY, n)

    def names_needed(self, documents: list[dict], ctx: RunContext) -> tuple[set, set]:
        people: set[str] = set()
        items: set[str] = set()
        for doc in documents:
            row = ctx.parties.get(company_id(doc))
            party = vendor_party(doc, row)
            people.update(forms(party, ctx.settings.collision_suffix))
            paired = ctx.settings.pairings.get(party.kind, party.manage_id)
            if paired is not None:  # a paired vendor may have any name
                people.add(paired.name)
            items.update(n for n in item_names(doc) if n)
        return people, items

    def plan(self, doc: dict, ctx: RunContext) -> Plan:
        row = ctx.parties.get(company_id(doc))
        return plan_receipt(doc, row, ctx.qbo, ctx.manage, ctx.settings)

    def body(self, doc: dict, ctx: RunContext, *, placeholders: bool = False) -> dict:
        row = ctx.parties.get(company_id(doc))
        return receipt_body(doc, row, ctx.qbo, ctx.manage, ctx.settings, placeholders=placeholders)

    def record_ids(self, doc: dict) -> list[int]:
        return purchase_record_ids(doc)

    def batch_identifier(self, stored: str, doc: dict) -> str:
        """Keep the id chosen at submit, and note which receipt of its PO this is."""
        doc[RECEIPT_KEY] = ordinal_of(stored, N.clean(doc.get("documentNumber")))
        return stored

    def label(self, tx) -> str:
        n = ordinal_of(tx.manage_batch_identifier, tx.number)
        return f"{NOUN} {tx.number}" + (f" (receipt {n} of the PO)" if n > 1 else "")

    def party(self, doc: dict) -> str:
        company = doc.get("company")
        return str((company.get("name") if isinstance(company, dict) else "") or "")


PROCUREMENT = ProcurementKind()
