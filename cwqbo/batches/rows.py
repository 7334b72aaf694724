"""One unposted Manage row, read once: what the pages show, and which fields are unreadable.

Manage answers whatever its users and plugins stored: a total of ``"abc"``, a company sent
as a string, a date that is not a date. Each row of an unposted list is read here, once,
into an :class:`UnpostedRow`; a field that cannot be read is named in ``problems`` (e.g.
``total is "abc", not a number``) and the row is shown but cannot be selected or
submitted. Nothing downstream has to guard against Manage's JSON again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cwqbo.connectwise.accounting import ROW_KEY_FIELDS
from cwqbo.models import BatchTransaction

# What each kind's row calls its number, date, party and record (the path inside the row).
SHAPES = {
    "invoices": ("invoiceNumber", "invoiceDate", "company", "billingLogId"),
    "expenses": (None, "dateExpense", "member", "expenseDetailId"),
    "products": ("purchaseOrder/name", "purchaseDate", "vendor", "purchaseOrder/id"),
}


# Columns a kind shows besides the common ones: (heading, path inside the row, how shown).
def _text(value: Any) -> str:
    return shorten(str(value)) if isinstance(value, str | int | float) else ""


def _positive(value: Any) -> str:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return "Yes" if number and value > 0 else "No"


DETAILS = {
    "expenses": (
        ("Type", "expenseType/name", _text),
        ("Classification", "classification", _text),
        ("Billable", "billableAmount", _positive),
        ("Payment method", "paymentMethod/name", _text),
    ),
    "products": (("Vendor invoice", "vendorInvoiceNumber", _text),),
}
# The batch's copy of a row lives in these columns: a longer value could not be saved.
COLUMNS = BatchTransaction.__table__.c
MAX_TOTAL = Decimal(10) ** (COLUMNS.total.type.precision - COLUMNS.total.type.scale)
SHOWN_CHARS = 80


@dataclass
class UnpostedRow:
    """One row of Manage's unposted list, as the selection page shows it."""

    manage_id: str  # the row's key (ROW_KEY_FIELDS); "unreadable-N" when it has none
    number: str
    date: str  # ISO date, or "" when Manage gave none that could be read
    party: str  # company (invoices), member (expenses) or vendor (products)
    location_id: int | None
    location: str
    total: float | None
    currency: str
    record_id: str | None = None  # invoices: billingLogId
    problems: list[str] = field(default_factory=list)  # the fields that could not be read
    details: tuple[str, ...] = ()  # the kind's own columns (DETAILS), as shown

    @property
    def readable(self) -> bool:
        return not self.problems

    def refusal(self, noun: str) -> str:
        """Say why this row cannot go into a batch, and what to do about it."""
        name = f"{noun.capitalize()} {self.number}" if self.number else f"One {noun}"
        return f"{name} cannot be used: {'; '.join(self.problems)}. {fix_hint(noun)}"


def fix_hint(noun: str) -> str:
    return f"Untick it, or fix the {noun} in ConnectWise Manage and press Refresh."


def shown(value: Any) -> str:
    """Render a value from Manage for a message: as JSON, and short."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def shorten(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


class _Reader:
    """Read the fields of one row, collecting a problem for each one that cannot be read."""

    def __init__(self, raw: dict):
        self.raw, self.problems = raw, []

    def get(self, path: str) -> tuple[str, Any]:
        """Return (name, value) of a field (None when absent), ``a/b`` reaching into objects."""
        value: Any = self.raw
        for part in path.split("/"):
            if not isinstance(value, dict):
                return path.replace("/", " "), None
            value = value.get(part)
        return path.replace("/", " "), value

    def bad(self, name: str, value: Any, what: str) -> None:
        self.problems.append(f"{name} is {shown(value)}, {what}")

    def text(self, path: str, *, required: bool, limit: int) -> str:
        name, value = self.get(path)
        if value is None or value == "":
            if required:
                self.problems.append(f"{name} is missing")
            return ""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.bad(name, value, "not text")
            return ""
        if len(value) > limit:
            self.problems.append(f"{name} is {len(value):,} characters long; at most {limit:,} fit")
        return shorten(value)

    def whole(self, path: str) -> int | None:
        name, value = self.get(path)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(name, value, "not a whole number")
            return None
        return value

    def reference(self, path: str, *, required: bool) -> dict:
        """Return a reference object like ``{"id": 250, "name": "Contoso"}`` ({} if none)."""
        name, value = self.get(path)
        if value is None:
            if required:
                self.problems.append(f"{name} is missing")
            return {}
        if not isinstance(value, dict):
            self.bad(name, value, "not an object")
            return {}
        return value

    def inner(self, prefix: str, ref: dict, path: str, limit: int) -> str:
        """Return a text field of a reference object; its problems are named with ``prefix``."""
        inside = _Reader(ref)
        value = inside.text(path, required=False, limit=limit)
        self.problems += [f"{prefix} {problem}" for problem in inside.problems]
        return value

    def amount(self, path: str) -> float | None:
        name, value = self.get(path)
        if value is None:
            self.problems.append(f"{name} is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.bad(name, value, "not a number")
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.bad(name, value, "not a number")
            return None
        if abs(number) >= MAX_TOTAL:
            self.bad(name, value, f"more than {MAX_TOTAL - Decimal('0.01'):,}")
            return None
        return float(number)

    def day(self, path: str) -> str:
        name, value = self.get(path)
        if value is None or value == "":
            self.problems.append(f"{name} is missing")
            return ""
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value).date().isoformat()
            except ValueError:
                pass
        self.bad(name, value, "not a date")
        return ""


def _manage_id(kind: str, reader: _Reader, position: int) -> str:
    name, value = reader.get(ROW_KEY_FIELDS[kind])
    fallback = f"unreadable-{position}"
    if value is None or value == "":
        reader.problems.append(f"{name} is missing")
        return fallback
    if isinstance(value, bool):
        pass
    elif kind == "products" and isinstance(value, str | int):
        if len(str(value)) <= COLUMNS.manage_id.type.length:
            return str(value)
    elif isinstance(value, int) and value > 0:
        return str(value)
    reader.bad(name, value, "not an id")
    return fallback


def parse_row(kind: str, raw: Any, position: int = 0) -> UnpostedRow:
    """Read one row of an unposted list; what cannot be read is named in ``problems``.

    ``position`` (the row's place in the list) names a row that has no readable id.
    """
    if not isinstance(raw, dict):
        return UnpostedRow(
            manage_id=f"unreadable-{position}",
            number="",
            date="",
            party="",
            location_id=None,
            location="",
            total=None,
            currency="",
            problems=[f"row is {shown(raw)}, not an object"],
        )
    number_path, date_path, party_path, record_path = SHAPES[kind]
    reader = _Reader(raw)
    manage_id = _manage_id(kind, reader, position)
    if number_path is None:  # an expense is known by its id
        number = manage_id if manage_id.isdigit() else ""
    else:
        number = reader.text(number_path, required=True, limit=COLUMNS.number.type.length)
    when = reader.day(date_path)
    party_ref = reader.reference(party_path, required=True)
    party = reader.inner(party_path, party_ref, "name", COLUMNS.party.type.length)
    location_id = reader.whole("locationId")
    location_ref = reader.reference("location", required=False)
    location = reader.inner("location", location_ref, "name", COLUMNS.location_name.type.length)
    total = reader.amount("total")
    currency_ref = reader.reference("currency", required=False)
    code = "currencyCode" if currency_ref.get("currencyCode") else "currencyIdentifier"
    currency = reader.inner("currency", currency_ref, code, COLUMNS.currency.type.length)
    record = reader.whole(record_path)
    # Shown only: a value that cannot be read is shown empty, never a problem.
    details = tuple(show(reader.get(path)[1]) for _h, path, show in DETAILS.get(kind, ()))
    return UnpostedRow(
        manage_id=manage_id,
        number=number,
        date=when,
        party=party,
        location_id=location_id,
        location=location,
        total=total,
        currency=currency,
        record_id=str(record) if record is not None else None,
        problems=reader.problems,
        details=details,
    )
