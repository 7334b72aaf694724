"""Every kind of transaction a batch can move, by ``Batch.kind`` (interface: kind.py)."""

from __future__ import annotations

from cwqbo.transfer.expenses import EXPENSES
from cwqbo.transfer.invoices import INVOICES
from cwqbo.transfer.kind import Kind
from cwqbo.transfer.procurement import PROCUREMENT

KINDS: dict[str, Kind] = {
    "invoices": INVOICES,
    "expenses": EXPENSES,
    "products": PROCUREMENT,
}


def kind_of(name: str) -> Kind | None:
    """Return the kind of a batch (None for a kind whose transfer does not exist yet)."""
    return KINDS.get(name)
