"""Accounting Interface endpoints: unposted lists, GL export, batches (reference §3)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from . import assumptions
from . import conditions as C
from .errors import ManageError
from .paging import FirstPage, FullList

log = logging.getLogger(__name__)

TransactionType = Literal["invoices", "expenses", "products"]

UNPOSTED_PATHS: dict[str, str] = {
    "invoices": "/finance/accounting/unpostedinvoices",
    "expenses": "/finance/accounting/unpostedexpenses",
    "products": "/finance/accounting/unpostedprocurement",
}
BATCHES_PATH = "/finance/accounting/batches"
EXPORT_PATH = "/finance/accounting/export"

_ALIASES = {
    "invoice": "invoices",
    "invoices": "invoices",
    "expense": "expenses",
    "expenses": "expenses",
    "product": "products",
    "products": "products",
    "procurement": "products",
    "purchase": "products",
}
# The field of an unposted row whose value the export's included*Ids expects (assumptions).
EXPORT_ID_FIELDS: dict[str, str] = {
    "invoices": assumptions.INVOICE_EXPORT_ID_FIELD,
    "expenses": assumptions.EXPENSE_EXPORT_ID_FIELD,
    "products": assumptions.PRODUCT_EXPORT_ID_FIELD,
}
# The field that names an unposted row in cwqbo (selection, claims, batch transactions): the
# row's own id; procurement rows by unpostedProductId. Not what the export takes.
ROW_KEY_FIELDS: dict[str, str] = {
    "invoices": "id",
    "expenses": "id",
    "products": "unpostedProductId",
}
NOUNS = {"invoices": "invoices", "expenses": "expenses", "products": "item receipts"}
LOOKUP_CHUNK = 100
_FLAG = {
    "invoices": ("exportInvoicesFlag", "includedInvoiceIds"),
    "expenses": ("exportExpensesFlag", "includedExpenseIds"),
    "products": ("exportProductsFlag", "includedProductIds"),
}


def transaction_type(name: str) -> TransactionType:
    """Normalise ``invoice``/``expense``/``procurement``… to the export's three kinds."""
    try:
        return _ALIASES[name.lower()]  # type: ignore[return-value]
    except KeyError:
        raise ValueError(f"unknown transaction type {name!r}") from None


def export_id(kind: str, unposted_row: dict) -> int | str:
    """Return the id of an unposted row that the GL export's ``included*Ids`` expects."""
    kind = transaction_type(kind)
    value = unposted_row[EXPORT_ID_FIELDS[kind]]
    return str(value) if kind == "products" else int(value)


def exported_count(kind: str, export: dict) -> int:
    """Return how many of the asked-for documents of ``kind`` a GLExport holds.

    Expenses exported as bills (``expenseBills``) count one per bill detail line, one line
    per expense (reference §3.7).
    """
    kind = transaction_type(kind)
    if kind == "invoices":
        return len(export.get("transactions") or [])
    if kind == "products":
        return len(export.get("purchaseTransactions") or [])
    bills = export.get("expenseBills") or []
    return len(export.get("expenses") or []) + sum(len(b.get("detail") or []) for b in bills)


def export_shortfall(kind: str, asked: int, exported: int) -> str | None:
    """Return "ConnectWise exported 3 of 12 invoices asked for: …" when some are missing."""
    if exported >= asked:
        return None
    kind = transaction_type(kind)
    included = _FLAG[kind][1]
    return (
        f"ConnectWise exported {exported} of {asked} {NOUNS[kind]} asked for: Manage left "
        f"out every one it does not hold as unposted under the id cwqbo sent (each row's "
        f"{EXPORT_ID_FIELDS[kind]}, in {included})"
    )


def _location(location_id: int | None, extra: str | None) -> str | None:
    return C.and_(C.eq("locationId", location_id) if location_id else None, extra)


def _utc(moment: dt.date | dt.datetime) -> str:
    return C.format_datetime(moment)[1:-1]


class AccountingMixin:
    """Methods of :class:`~cwqbo.connectwise.client.ManageClient` for the GL interface."""

    # -- unposted lists ----------------------------------------------------------------

    def iter_unposted(
        self,
        kind: str,
        *,
        location_id: int | None = None,
        conditions: str | None = None,
        **kwargs: Any,
    ) -> Iterator[dict]:
        """Yield unposted rows of a kind, optionally only for one billing location."""
        path = UNPOSTED_PATHS[transaction_type(kind)]
        yield from self.iter_records(path, conditions=_location(location_id, conditions), **kwargs)

    def read_unposted(
        self, kind: str, *, location_id: int | None = None, **kwargs: Any
    ) -> FullList:
        """Return every unposted row of a kind, its pages read at once and checked."""
        path = UNPOSTED_PATHS[transaction_type(kind)]
        return self.read_all(path, conditions=_location(location_id, None), **kwargs)

    def read_unposted_first(
        self, kind: str, *, page_size: int, location_id: int | None = None, **kwargs: Any
    ) -> FirstPage:
        """Return the first ``page_size`` unposted rows of a kind and how many there are."""
        path = UNPOSTED_PATHS[transaction_type(kind)]
        conditions = _location(location_id, None)
        return self.read_first(path, conditions=conditions, page_size=page_size, **kwargs)

    def count_unposted(
        self, kind: str, *, location_id: int | None = None, conditions: str | None = None
    ) -> int:
        """Return how many unposted rows of a kind there are (``/count``)."""
        path = UNPOSTED_PATHS[transaction_type(kind)]
        return self.count(path, _location(location_id, conditions))

    def iter_unposted_invoices(self, location_id: int | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_unposted("invoices", location_id=location_id, **kw)

    def count_unposted_invoices(self, location_id: int | None = None, **kw: Any) -> int:
        return self.count_unposted("invoices", location_id=location_id, **kw)

    def iter_unposted_expenses(self, location_id: int | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_unposted("expenses", location_id=location_id, **kw)

    def count_unposted_expenses(self, location_id: int | None = None, **kw: Any) -> int:
        return self.count_unposted("expenses", location_id=location_id, **kw)

    def iter_unposted_procurement(
        self, location_id: int | None = None, **kw: Any
    ) -> Iterator[dict]:
        return self.iter_unposted("products", location_id=location_id, **kw)

    def count_unposted_procurement(self, location_id: int | None = None, **kw: Any) -> int:
        return self.count_unposted("products", location_id=location_id, **kw)

    def export_ids_for(self, kind: str, row_keys: Iterable[int | str]) -> dict[str, int | str]:
        """Return {row key: export id} of the rows still unposted (absent: no longer unposted)."""
        kind = transaction_type(kind)
        key, wanted = ROW_KEY_FIELDS[kind], EXPORT_ID_FIELDS[kind]
        keys = list(dict.fromkeys(str(k) for k in row_keys))
        out: dict[str, int | str] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            values = chunk if kind == "products" else [int(k) for k in chunk]
            for row in self.iter_unposted(
                kind, conditions=C.in_(key, values), fields=f"{key},{wanted}"
            ):
                if row.get(wanted) not in (None, ""):
                    out[str(row[key])] = export_id(kind, row)
        return out

    def get_unposted(self, kind: str, row_id: int) -> dict:
        return self.get(f"{UNPOSTED_PATHS[transaction_type(kind)]}/{int(row_id)}")

    def list_unposted_taxable_levels(self, kind: str, row_id: int) -> list[dict]:
        """Return the taxable levels of one unposted row."""
        path = f"{UNPOSTED_PATHS[transaction_type(kind)]}/{int(row_id)}/taxableLevels"
        return list(self.iter_records(path))

    # -- GL export -----------------------------------------------------------------------

    def export_gl(
        self,
        kind: str,
        ids: Iterable[int | str],
        *,
        location_id: int = assumptions.EXPORT_ALL_LOCATIONS,
        thru_date: dt.date | dt.datetime | None = None,
        summarize_invoices: str = "Detailed",
        batch_identifier: str | None = None,
    ) -> dict:
        """Return the GL export (a preview; nothing is batched) for the given unposted ids."""
        kind = transaction_type(kind)
        flag, included = _FLAG[kind]
        id_list = [str(i) if kind == "products" else int(i) for i in ids]
        if not id_list:
            raise ValueError("export_gl needs at least one id")
        thru = thru_date or dt.datetime.now(dt.UTC).replace(hour=23, minute=59, second=59)
        body: dict[str, Any] = {
            "glInterfaceIdentifier": assumptions.GL_INTERFACE_IDENTIFIER,
            "thruDate": _utc(thru),
            "locationId": location_id,
            "summarizeInvoices": summarize_invoices,
            "exportInvoicesFlag": False,
            "exportExpensesFlag": False,
            "exportProductsFlag": False,
            flag: True,
            included: id_list,
        }
        if batch_identifier:
            body["batchIdentifier"] = batch_identifier
        # The export only reads, so it is safe to retry like a GET.
        export = self.post(EXPORT_PATH, body, idempotent=True) or {}
        short = export_shortfall(kind, len(id_list), exported_count(kind, export))
        if short:  # the callers fail each missing transaction; this says it happened
            log.warning("%s", short)
        return export

    # -- batches -------------------------------------------------------------------------

    def create_batch(
        self,
        batch_identifier: str,
        processed_record_ids: Iterable[int],
        *,
        kind: str,
        summarize_expenses: bool = False,
        look_up: bool = assumptions.LOOKUP_BATCH_AFTER_CREATE,
    ) -> dict:
        """Mark GL records batched under ``batch_identifier``; return the AccountingBatch.

        ``look_up=False`` returns the POST's answer as it came (``{}`` when empty): its body
        is unknown (assumptions.LOOKUP_BATCH_AFTER_CREATE), so a caller that needs the
        batch's id reads it back, many at once, with :meth:`find_batches`.
        """
        if not batch_identifier or len(batch_identifier) > 50:
            raise ValueError("batch_identifier must be 1..50 characters")
        ids = sorted({int(i) for i in processed_record_ids})
        if not ids:
            raise ValueError("create_batch needs at least one processed record id")
        kind = transaction_type(kind)
        body = {
            "batchIdentifier": batch_identifier,
            "glInterfaceIdentifier": assumptions.GL_INTERFACE_IDENTIFIER,
            "exportInvoicesFlag": kind == "invoices",
            "exportExpensesFlag": kind == "expenses",
            "exportProductsFlag": kind == "products",
            "processedRecordIds": ids,
            "summarizeExpenses": summarize_expenses,
        }
        created = self.post(BATCHES_PATH, body)
        if not look_up:
            return created if isinstance(created, dict) else {}
        batch = self.find_batch(batch_identifier)
        if batch is None:
            raise ManageError(
                f"batch {batch_identifier!r} was accepted but cannot be found",
                url=BATCHES_PATH,
            )
        return batch

    def find_batch(self, batch_identifier: str) -> dict | None:
        """Return the batch with this identifier, or ``None``."""
        cond = C.eq("batchIdentifier", batch_identifier)
        return next(self.iter_records(BATCHES_PATH, conditions=cond, page_size=2), None)

    def find_batches(self, batch_identifiers: Iterable[str]) -> dict[str, dict]:
        """Return {batchIdentifier: batch} of those that exist, ``LOOKUP_CHUNK`` a call."""
        names = list(dict.fromkeys(batch_identifiers))
        found: dict[str, dict] = {}
        for start in range(0, len(names), LOOKUP_CHUNK):
            cond = C.in_("batchIdentifier", names[start : start + LOOKUP_CHUNK])
            for batch in self.iter_records(BATCHES_PATH, conditions=cond):
                found.setdefault(batch.get("batchIdentifier"), batch)
        return found

    def iter_batches(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(BATCHES_PATH, conditions=conditions, **kw)

    def count_batches(self, conditions: str | None = None) -> int:
        return self.count(BATCHES_PATH, conditions)

    def get_batch(self, batch_id: int) -> dict:
        return self.get(f"{BATCHES_PATH}/{int(batch_id)}")

    def delete_batch(self, batch_id: int) -> None:
        """Delete a batch; its records return to the unposted lists."""
        self.delete(f"{BATCHES_PATH}/{int(batch_id)}")

    def iter_batch_entries(self, batch_id: int, **kw: Any) -> Iterator[dict]:
        return self.iter_records(f"{BATCHES_PATH}/{int(batch_id)}/entries", **kw)
