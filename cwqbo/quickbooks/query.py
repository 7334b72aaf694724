"""Helpers to write QBO query-language statements safely."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

MAX_PAGE = 1000
# Undocumented limit (reference U6); 30 keeps IN lists in line with batch sizes.
IN_CHUNK = 30

_FROM = re.compile(r"\bFROM\s+([A-Za-z]+)", re.IGNORECASE)
_PAGING = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)
_COUNT = re.compile(r"^\s*SELECT\s+COUNT\s*\(\s*\*\s*\)", re.IGNORECASE)


def escape(value: str) -> str:
    r"""Escape a string for use inside single quotes (``O'Brien`` -> ``O\'Brien``)."""
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def quote(value: object) -> str:
    """Render a Python value as a query literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"'{value}'"
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    return f"'{escape(str(value))}'"


def in_list(values: Iterable[object]) -> str:
    """Render ``(v1, v2, ...)`` for an IN clause."""
    return "(" + ", ".join(quote(v) for v in values) + ")"


def chunked(values: Iterable[object], size: int = IN_CHUNK) -> Iterator[list[object]]:
    """Yield successive lists of at most ``size`` distinct values, order kept."""
    seen: set[object] = set()
    chunk: list[object] = []
    for value in values:
        if value in seen:
            continue
        seen.add(value)
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def in_queries(
    entity: str, field: str, values: Iterable[object], where: str = "", size: int = IN_CHUNK
) -> Iterator[str]:
    """Yield ``SELECT * FROM entity WHERE field IN (...)`` statements, one per chunk."""
    extra = f" AND {where}" if where else ""
    for chunk in chunked(values, size):
        yield f"SELECT * FROM {entity} WHERE {field} IN {in_list(chunk)}{extra}"


def entity_of(sql: str) -> str:
    """Return the entity named after FROM."""
    match = _FROM.search(sql)
    if not match:
        raise ValueError("query has no FROM clause")
    return match.group(1)


def has_paging(sql: str) -> bool:
    return bool(_PAGING.search(_strip_strings(sql)))


def is_count(sql: str) -> bool:
    return bool(_COUNT.match(sql))


def page(sql: str, start: int, size: int) -> str:
    """Append STARTPOSITION/MAXRESULTS (1-based start)."""
    return f"{sql.rstrip().rstrip(';')} STARTPOSITION {start} MAXRESULTS {size}"


def _strip_strings(sql: str) -> str:
    return re.sub(r"'(?:\\.|[^'\\])*'", "''", sql)
