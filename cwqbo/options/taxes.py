"""The Taxes tab: tax-code mappings, the exempt sales tax code and tax-exempt items (C7)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cwqbo.connectwise import conditions as C
from cwqbo.options.fields import FORM_ERROR, REF, Field, Outcome, check_ref
from cwqbo.options.lists import MANAGE_TAX_CODES, QBO_TAX_CODES, Choice

EXEMPT_CODE = Field("exempt_tax_code", "Exempt sales tax code", REF, source=QBO_TAX_CODES)
MANAGE_CODE = Field("manage", "Manage tax code", REF, source=MANAGE_TAX_CODES, required=True)
QBO_CODE = Field("qbo", "QuickBooks Online tax code", REF, source=QBO_TAX_CODES, required=True)
SEARCH_LIMIT = 20

Ref = tuple[str, str]
Mapping_ = tuple[Ref, Ref]


def exempt_items_apply(country: str | None) -> bool:
    """Tax-exempt items exist for non-US QBO companies only (US QBO taxes per transaction)."""
    return bool(country) and country != "US"


def read_rows(manage_ids: Sequence[str], qbo_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Pair the submitted row values; rows left entirely blank are dropped."""
    rows = zip(manage_ids, qbo_ids, strict=False)
    return [(m.strip(), q.strip()) for m, q in rows if m.strip() or q.strip()]


def check_mappings(
    rows: list[tuple[str, str]],
    saved: list[Mapping_],
    lists: Mapping[str, list[Choice]],
    problems: Mapping[str, str],
) -> Outcome:
    """Validate mapping rows: both codes live, each Manage code at most once."""
    saved_manage = {m[0]: m for m, _ in saved}
    saved_qbo = {q[0]: q for _, q in saved}
    outcome = Outcome(values={"mappings": []})
    first_row: dict[str, int] = {}
    for index, (manage_id, qbo_id) in enumerate(rows):
        manage, manage_error = check_ref(
            MANAGE_CODE, manage_id, lists, problems, saved_manage.get(manage_id)
        )
        qbo, qbo_error = check_ref(QBO_CODE, qbo_id, lists, problems, saved_qbo.get(qbo_id))
        if manage_id and manage_id in first_row and not manage_error:
            manage_error = (
                f"{manage[1]} is mapped already (row {first_row[manage_id] + 1}); "
                "each Manage tax code can be mapped once."
            )
        first_row.setdefault(manage_id, index)
        outcome.values["mappings"].append((manage or ("", ""), qbo or ("", "")))
        for side, error in (("manage", manage_error), ("qbo", qbo_error)):
            if error:
                outcome.errors[f"mapping-{index}-{side}"] = error
    return outcome


def check_taxes(
    rows: list[tuple[str, str]],
    exempt_code_id: str,
    items: list[Ref] | None,
    saved: Mapping[str, Any],
    lists: Mapping[str, list[Choice]],
    problems: Mapping[str, str],
    find_items: Callable[[list[str]], list[dict]] | None,
) -> Outcome:
    """Validate the whole tab; ``items`` is None when tax-exempt items do not apply."""
    outcome = check_mappings(rows, saved["mappings"], lists, problems)
    value, error = check_ref(EXEMPT_CODE, exempt_code_id, lists, problems, saved["exempt_tax_code"])
    outcome.values["exempt_tax_code"] = value
    if error:
        outcome.errors["exempt_tax_code"] = error
    if items is None:
        outcome.values["exempt_items"] = saved["exempt_items"]
    else:
        checked, error = check_items(items, saved["exempt_items"], find_items, problems)
        outcome.values["exempt_items"] = checked
        if error:
            outcome.errors["exempt_items"] = error
    unavailable = [p for p in problems.values() if p in outcome.errors.values()]
    if unavailable:
        outcome.errors.setdefault(FORM_ERROR, unavailable[0])
    return outcome


def check_items(
    items: list[Ref],
    saved: list[Ref],
    find_items: Callable[[list[str]], list[dict]] | None,
    problems: Mapping[str, str],
) -> tuple[list[Ref], str | None]:
    """Return the distinct items that still exist in Manage's catalog, or an error."""
    wanted = list(dict.fromkeys(i for i, _ in items))
    labels = dict(items)
    if not wanted:
        return [], None
    if set(wanted) <= {i for i, _ in saved}:
        return [(i, labels[i]) for i in wanted], None  # nothing new to look up
    if find_items is None:
        return [(i, labels[i]) for i in wanted], problems.get(
            MANAGE_TAX_CODES, "ConnectWise Manage could not be reached."
        )
    rows = find_items(wanted)
    if rows is None:
        return [(i, labels[i]) for i in wanted], problems.get(
            MANAGE_TAX_CODES, "ConnectWise Manage could not be reached."
        )
    found = {str(r["id"]): r["identifier"] for r in filter(None, map(catalog_item, rows))}
    missing = [labels[i] for i in wanted if i not in found]
    if missing:
        return [(i, labels[i]) for i in wanted], (
            f"No longer in the Manage catalog: {', '.join(missing)}. Remove them and save again."
        )
    return [(i, found[i]) for i in wanted], None


def catalog_item(row: Any) -> dict | None:
    """Read one Manage catalog item; one without a usable id cannot be picked (None)."""
    ident = row.get("id") if isinstance(row, dict) else None
    if isinstance(ident, bool) or not isinstance(ident, int) or ident <= 0:
        return None
    name, about = row.get("identifier"), row.get("description")
    return {
        "id": ident,
        "identifier": name.strip() if isinstance(name, str) and name.strip() else f"Item {ident}",
        "description": about if isinstance(about, str) else "",
    }


def find_catalog_items(client, ids: list[str]) -> list[dict]:
    """Return the Manage catalog items with these ids."""
    numbers = [int(i) for i in ids if str(i).isdigit()]
    if not numbers:
        return []
    return list(client.iter_catalog_items(conditions=C.in_("id", numbers)))


def search_catalog(client, text: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Return active catalog items whose identifier or description contains ``text``."""
    text = text.strip()
    if not text:
        return []
    conditions = C.and_(
        C.or_(C.contains("identifier", text), C.contains("description", text)),
        C.eq("inactiveFlag", False),
    )
    pages = client.iter_pages(
        "/procurement/catalog", conditions=conditions, order_by="identifier asc", page_size=limit
    )
    return [item for item in map(catalog_item, next(pages, [])) if item][:limit]
