"""Build Manage ``conditions`` strings safely (reference §2.2).

Values are always rendered by :func:`literal`: strings quoted and escaped, dates and
datetimes in ``[...]`` as UTC, booleans ``true``/``false``, ``None`` as ``null``. Fields are
checked against a strict pattern so a value can never be smuggled in as a field name.

Example: ``and_(eq("company/name", name), gte("invoiceDate", date(2024, 1, 1)))`` gives
``company/name = "O'Brien & Sons \\"IT\\"" and invoiceDate >= [2024-01-01T00:00:00Z]``
for ``name = 'O\'Brien & Sons "IT"'``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from .assumptions import CONDITION_ESCAPE, CONDITION_QUOTE

_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "like", "not like", "contains"}


def _field(name: str) -> str:
    if not _FIELD.match(name):
        raise ValueError(f"not a Manage field path: {name!r}")
    return name


def quote(text: str) -> str:
    """Return ``text`` as a quoted conditions string literal."""
    escaped = text.replace(CONDITION_ESCAPE, CONDITION_ESCAPE * 2).replace(
        CONDITION_QUOTE, CONDITION_ESCAPE + CONDITION_QUOTE
    )
    return f"{CONDITION_QUOTE}{escaped}{CONDITION_QUOTE}"


def format_datetime(value: dt.date | dt.datetime) -> str:
    """Return a date or datetime as Manage's ``[yyyy-MM-ddTHH:mm:ssZ]`` (UTC)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        moment = value.replace(microsecond=0)
    else:
        moment = dt.datetime(value.year, value.month, value.day)
    return f"[{moment.strftime('%Y-%m-%dT%H:%M:%S')}Z]"


def literal(value: object) -> str:
    """Render a Python value as a conditions literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("conditions cannot hold NaN or infinity")
        return repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot use {type(value).__name__} in conditions")


def compare(field: str, op: str, value: object) -> str:
    """Return ``field op value`` with ``value`` rendered safely."""
    if op not in _OPERATORS:
        raise ValueError(f"unknown conditions operator {op!r}")
    return f"{_field(field)} {op} {literal(value)}"


def eq(field: str, value: object) -> str:
    return compare(field, "=", value)


def ne(field: str, value: object) -> str:
    return compare(field, "!=", value)


def lt(field: str, value: object) -> str:
    return compare(field, "<", value)


def lte(field: str, value: object) -> str:
    return compare(field, "<=", value)


def gt(field: str, value: object) -> str:
    return compare(field, ">", value)


def gte(field: str, value: object) -> str:
    return compare(field, ">=", value)


def like(field: str, pattern: str) -> str:
    """Return a ``like`` test; ``*`` in ``pattern`` is the wildcard."""
    return compare(field, "like", pattern)


def contains(field: str, text: str) -> str:
    return compare(field, "contains", text)


def in_(field: str, values: Iterable[object]) -> str:
    """Return ``field in (v1, v2, ...)``; an empty list matches nothing."""
    items = [literal(v) for v in values]
    if not items:
        raise ValueError(f"in_({field!r}) needs at least one value")
    return f"{_field(field)} in ({', '.join(items)})"


def _join(word: str, parts: Iterable[str | None]) -> str:
    kept = [p for p in parts if p]
    if len(kept) == 1:
        return kept[0]
    return f" {word} ".join(f"({p})" if _needs_parens(p) else p for p in kept)


def _needs_parens(part: str) -> bool:
    # A part that is itself a bare and/or chain is grouped so precedence never surprises.
    depth, in_str, escaped = 0, False, False
    for i, ch in enumerate(part):
        if in_str:
            if escaped:
                escaped = False
            elif ch == CONDITION_ESCAPE:
                escaped = True
            elif ch == CONDITION_QUOTE:
                in_str = False
            continue
        if ch == CONDITION_QUOTE:
            in_str = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and (part.startswith(" and ", i) or part.startswith(" or ", i)):
            return True
    return False


def and_(*parts: str | None) -> str:
    """Join conditions with ``and`` (``None``/empty parts are skipped)."""
    return _join("and", parts)


def or_(*parts: str | None) -> str:
    """Join conditions with ``or``, grouping compound parts in parentheses."""
    return _join("or", parts)
