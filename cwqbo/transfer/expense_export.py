"""Which exported expense is which row: a GLExportExpense carries no id of its unposted row.

An export of many expenses answers documents with their GL record ids only, so each
document is matched to its row by what both carry: the member, the date and the amount.
Only a match that is one row to one document counts; a row that shares its signature with
another, or a chunk where some document matches no row, is exported again on its own
(one id asked, one document back: nothing to tell apart). The matched row rides along in
the document (its classification and payment method are only on the row).
"""

from __future__ import annotations

from typing import Any

from cwqbo.connectwise import conditions as C
from cwqbo.transfer.context import dec, parse_date

UNPOSTED = "unposted"  # the key of the matched row inside the document


def _signature(member: Any, day: Any, total: Any) -> tuple[str, str, str]:
    member_id = member.get("id") if isinstance(member, dict) else None
    when = parse_date(day)
    return str(member_id), when.isoformat() if when else "", f"{dec(total):.2f}"


def rows_of(manage: Any, keys: list[str]) -> dict[str, dict]:
    """Return {row key: unposted expense row} of those still unposted, 100 ids a call."""
    rows: dict[str, dict] = {}
    for start in range(0, len(keys), 100):
        chunk = [int(k) for k in keys[start : start + 100]]
        for row in manage.iter_unposted("expenses", conditions=C.in_("id", chunk)):
            if isinstance(row, dict):
                rows[str(row.get("id"))] = row
    return rows


def match_expenses(
    manage: Any, part: dict[str, Any], documents: list[dict], export_one
) -> dict[str, dict]:
    """Return {row key: exported expense (with its row)} of one export call of ``part``.

    ``export_one(export_id)`` exports a single expense and returns its documents.
    """
    if not documents:  # nothing came back: nothing to match, nor to export again
        return {}
    rows = rows_of(manage, list(part))
    keys_by_sig: dict[tuple, list[str]] = {}
    for key, row in rows.items():
        sig = _signature(row.get("member"), row.get("dateExpense"), row.get("total"))
        keys_by_sig.setdefault(sig, []).append(key)
    docs_by_sig: dict[tuple, list[dict]] = {}
    for doc in documents:
        sig = _signature(doc.get("member"), doc.get("documentDate"), doc.get("total"))
        docs_by_sig.setdefault(sig, []).append(doc)
    found: dict[str, dict] = {}
    if len(part) == 1 and len(documents) == 1:
        found = {next(iter(part)): documents[0]}
    elif all(len(keys_by_sig.get(sig, ())) == 1 for sig in docs_by_sig):
        for sig, keys in keys_by_sig.items():
            docs = docs_by_sig.get(sig, [])
            if len(keys) == 1 and len(docs) == 1:
                found[keys[0]] = docs[0]
    # else: a document fits no row, or several: trust no match of this chunk
    if len(part) > 1:
        for key in part:
            if key not in found and key in rows:
                alone = export_one(part[key])
                if len(alone) == 1:
                    found[key] = alone[0]
    for key, doc in found.items():
        if key in rows:
            doc[UNPOSTED] = rows[key]
    return found
