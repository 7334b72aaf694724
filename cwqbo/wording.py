"""Words for people: counts with proper plurals, QuickBooks entity names as prose.

Plain functions (no Flask), so batch logs, mails and pages say the same thing; pages use
them as the Jinja filters ``plural`` and ``entity_label`` (cwqbo/web/filters.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Nouns whose plural is not the noun + "s".
_IRREGULAR = {
    "entry": "entries",
    "company": "companies",
    "category": "categories",
    "currency": "currencies",
    "inventory": "inventories",
    "receipt": "receipts",
    "batch": "batches",
    "tax": "taxes",
    "box": "boxes",
    "address": "addresses",
    "child": "children",
    "person": "people",
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def plural_of(noun: str) -> str:
    """Return the plural of a noun ("invoice" -> "invoices", "entry" -> "entries")."""
    head, _, last = noun.rpartition(" ")
    lower = last.lower()
    if lower in _IRREGULAR:
        word = _IRREGULAR[lower]
        word = word.capitalize() if last[:1].isupper() else word
    elif re.search(r"[^aeiou]y$", lower):
        word = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", lower):
        word = last + "es"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def plural(count: int, noun: str, many: str | None = None) -> str:
    """Return "1 invoice", "10 invoices", "0 invoices" (``many`` for an unusual plural)."""
    return f"{count:,} {noun if count == 1 else (many or plural_of(noun))}"


def quoted(text: object) -> str:
    """Return ``text`` in quotation marks that cannot clash with its own: "Contoso Ltd", but
    “O'Brien & Sons "IT"” (a name holding straight quotes gets typographic ones)."""
    text = str(text)
    return f"“{text}”" if '"' in text else f'"{text}"'


def entity_label(entity: str | None) -> str:
    """Return a QuickBooks entity name as prose: "CreditMemo" -> "Credit memo"."""
    if not entity:
        return ""
    words = _CAMEL.split(entity)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60))


def ago(when: datetime, now: datetime | None = None) -> str:
    """Return how long ago ``when`` was: "just now", "2 minutes ago", "in 3 hours".

    Naive datetimes are UTC (as the database stores them)."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    seconds = (now - when).total_seconds()
    size = abs(seconds)
    if size < 45:
        return "just now"
    for unit, length in _UNITS:
        if size >= length or unit == "minute":
            text = plural(max(1, round(size / length)), unit)
            return f"{text} ago" if seconds > 0 else f"in {text}"
    raise AssertionError("unreachable")
