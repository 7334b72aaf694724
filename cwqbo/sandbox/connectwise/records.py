"""Which GL entries a Manage document holds and how the export selects documents.

The sandbox's own rules (reference §3.6-§3.8), kept apart from the client's choices in
cwqbo.connectwise.glexport so that a client batching too few ids is caught.
"""

from __future__ import annotations

from typing import Any

from cwqbo.connectwise import assumptions

# Which field of an unposted row Manage selects by in included*Ids (assumptions.py §3.6).
# A dataset's "exportIdFields" (or POST /_sandbox/reset {"exportIdFields": {...}}) overrides
# it, to play a tenant that expects other ids than the client sends.
EXPORT_ID_FIELD = {
    "invoices": assumptions.INVOICE_EXPORT_ID_FIELD,
    "expenses": assumptions.EXPENSE_EXPORT_ID_FIELD,
    "products": assumptions.PRODUCT_EXPORT_ID_FIELD,
}
# The field of an exported document compared with the request's thruDate.
DOCUMENT_DATE = {"invoices": "documentDate", "expenses": "documentDate", "products": "purchaseDate"}


def _ints(values: Any) -> list[int]:
    return [int(v) for v in values if v not in (None, "")]


def gl_entries(kind: str, export: dict) -> list[int]:
    """Return every GL entry Manage holds for one document (the sandbox's own truth).

    Written here, not taken from the client's glexport, so a client that batches only part of
    them (e.g. the header's glEntryIds without the detail lines) leaves the document unposted.
    """
    if kind == "invoices":
        header = str(export.get("glEntryIds") or "").replace(" ", "").split(",")
        ids = _ints(header) + _ints(d.get("id") for d in export.get("detail") or [])
    elif kind == "expenses":
        ids = _ints([export.get("id"), (export.get("offset") or {}).get("id")])
    else:
        lines = (export.get("purchaseDetail") or []) + (export.get("purchaseDetailTax") or [])
        ids = _ints(line.get("id") for line in lines)
    return sorted(set(ids))
