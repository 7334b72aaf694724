"""The JSON shape of an exported Manage transaction, checked once before it is mapped.

The mapping reads fields of Manage's objects ({id, name} references, detail lines, tax
levels). A value of another type - a string where a reference belongs, a line that is not an
object - is a problem naming the field, so one malformed transaction never stops the others,
the preview or the run. Values inside well-shaped objects (amounts, dates, names) are checked
by the mapping itself (limits.py, context.parse_date).
"""

from __future__ import annotations

from typing import Any

from cwqbo.transfer import problems as P
from cwqbo.transfer.problems import Problem

# Fields read as objects, when present, on the transaction, its customer row and its lines.
HEADER_OBJECTS = ("company", "currency", "billingTerms", "taxCode")
CUSTOMER_OBJECTS = ("company", "billingTerms", "taxCode")
LINE_OBJECTS = ("item",)
# Fields read as lists of objects.
HEADER_LISTS = ("detail", "taxLevels")
CUSTOMER_LISTS = ("taxLevels",)


def company_id(document: Any) -> Any:
    """Return the id of a document's (or customer row's) Manage company, None if unreadable."""
    company = document.get("company") if isinstance(document, dict) else None
    return company.get("id") if isinstance(company, dict) else None


def problems(tx: dict, customer: Any) -> list[Problem]:
    """Return one problem per field of the export that is not of the type Manage sends."""
    number = str(tx.get("documentNumber") or tx.get("id") or "?")
    found = _bad(tx, "", HEADER_OBJECTS, HEADER_LISTS)
    detail = tx.get("detail")
    for n, line in enumerate(detail if isinstance(detail, list) else [], start=1):
        if isinstance(line, dict):
            found += _bad(line, f"detail line {n} ", LINE_OBJECTS, ())
        else:
            found.append(f"detail line {n} as {_kind(line)}, not an object")
    if isinstance(customer, dict):
        found += _bad(customer, "its customer row's ", CUSTOMER_OBJECTS, CUSTOMER_LISTS)
    elif customer is not None:
        found.append(f"its customer row as {_kind(customer)}, not an object")
    return [
        Problem(
            f"ConnectWise exported invoice {number} with {what}.",
            "Check the invoice (and its company) in Manage; cwqbo cannot read it as it is. "
            "If Manage shows it correctly, report it with this message.",
            P.MANAGE_INVOICE,
        )
        for what in found
    ]


def _bad(row: dict, where: str, objects: tuple[str, ...], lists: tuple[str, ...]) -> list[str]:
    out = [
        f"{where}{field} as {_kind(row[field])}, not an object"
        for field in objects
        if row.get(field) is not None and not isinstance(row[field], dict)
    ]
    for field in lists:
        value = row.get(field)
        if value is None:
            continue
        if not isinstance(value, list):
            out.append(f"{where}{field} as {_kind(value)}, not a list")
        elif field != "detail":  # detail lines are named one by one
            out += [
                f"{where}{field} holding {_kind(v)}, not an object"
                for v in value
                if not isinstance(v, dict)
            ]
    return out


def _kind(value: Any) -> str:
    """Describe a value for a message: its JSON type and a short form of it."""
    text = repr(value)
    short = text if len(text) <= 40 else text[:37] + "..."
    kinds = {str: "text", bool: "true/false", int: "a number", float: "a number", list: "a list"}
    return f"{kinds.get(type(value), type(value).__name__)} {short}"
