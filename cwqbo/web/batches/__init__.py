"""Batches: select and submit, preview, status, unbatch, retry, logs, review (spec D)."""

from dataclasses import dataclass

from flask import Blueprint, abort

from cwqbo.batches.rows import DETAILS
from cwqbo.batches.service import ENABLED_KINDS

bp = Blueprint("batches", __name__, url_prefix="/batches")


@dataclass(frozen=True)
class KindPage:
    """How the pages name one kind of transaction."""

    kind: str
    title: str  # "Invoices"
    noun: str  # "invoice"
    party: str  # column heading of the company or member

    @property
    def columns(self) -> tuple[str, ...]:
        """Headings of the kind's own columns (cwqbo.batches.rows.DETAILS)."""
        return tuple(heading for heading, _path, _show in DETAILS.get(self.kind, ()))


KIND_PAGES = {
    "invoices": KindPage("invoices", "Invoices", "invoice", "Company"),
    "expenses": KindPage("expenses", "Expenses", "expense", "Member"),
    "products": KindPage("products", "Inventory", "item receipt", "Vendor"),
}


# URL names of a kind besides its Batch.kind: Create Inventory Batch is /batches/new/inventory.
KIND_ALIASES = {"inventory": "products"}


def kind_page(kind: str) -> KindPage:
    """Return the kind's names, or 404 for a kind whose batches are not available yet."""
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in ENABLED_KINDS or kind not in KIND_PAGES:
        abort(404, description="Batches of that kind are not available yet.")
    return KIND_PAGES[kind]


from cwqbo.web.batches import review, select, status  # noqa: E402,F401
