"""The QBO names Manage objects go by: customers, items, and the rules QBO puts on names."""

from __future__ import annotations

import re
from functools import lru_cache

from cwqbo.transfer import assumptions as A

_SPACES = re.compile(r"\s+")


def clean(text: object) -> str:
    """Collapse tabs, newlines and runs of spaces (QBO refuses tabs and newlines in names)."""
    if type(text) is str:  # the common case, memoized: a batch asks for the same names often
        return _clean_str(text)
    return _SPACES.sub(" ", str(text or "")).strip()


@lru_cache(maxsize=65536)
def _clean_str(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def no_colon(text: str) -> str:
    """Replace ':' which QBO reads as a parent:child separator in names."""
    return clean(text.replace(":", A.NAME_COLON_REPLACEMENT))


def colon_change(what: str, original: object, sent: str) -> str | None:
    """Say how a name with ':' goes to QBO (issue 13 §4), or None when nothing changed."""
    original = clean(original)
    if ":" not in original or original == sent:
        return None
    return (
        f'{what} "{original}" goes to QuickBooks as "{sent}": QuickBooks reads ":" as a '
        f'parent:child separator, so cwqbo writes "{A.NAME_COLON_REPLACEMENT}" instead.'
    )


def company_name(tx: dict, customer: dict | None) -> str:
    """Return the Manage company name of an exported invoice."""
    company = (customer or {}).get("company") or tx.get("company") or {}
    return clean(company.get("name") or company.get("identifier") or "")


def account_number(tx: dict, customer: dict | None) -> str:
    """Return the Manage company finance "Account" of an exported invoice."""
    return clean((customer or {}).get("accountNumber") or tx.get("companyAccountNumber") or "")


def customer_display_name(tx: dict, customer: dict | None, append_account_name: bool) -> str:
    """Return the QBO Customer DisplayName for the invoice's Manage company."""
    name = no_colon(company_name(tx, customer))
    number = no_colon(account_number(tx, customer))
    if append_account_name and name and number:
        return A.APPENDED_NAME_FORMAT.format(name=name, account=number)
    return name


def product_item_name(line: dict) -> str:
    """Return the QBO Item name of a product line (the Manage catalog identifier)."""
    item = line.get("item") or {}
    return no_colon(item.get("identifier") or line.get("glItemId") or "")


def is_product(line: dict) -> bool:
    """Tell whether a detail line sells a Manage catalog product."""
    return bool(product_item_name(line))


def account_item_names(account: str) -> list[str]:
    """Return the candidate service item names for a GL account, preferred first."""
    parts = [clean(p) for p in str(account or "").split(":") if clean(p)]
    if not parts:
        return []
    # Never cut to fit: a name over QBO's limit is skipped by the item mapping (or a problem).
    leaf = no_colon(parts[-1])
    full = no_colon(A.ACCOUNT_ITEM_JOIN.join(parts))
    return list(dict.fromkeys([leaf, full]))


def ref_name(ref: object) -> str:
    """Return the name of a Manage reference such as ``workRole`` ({id, name})."""
    if isinstance(ref, dict):
        return no_colon(ref.get("name") or ref.get("identifier") or "")
    return no_colon(str(ref or ""))


def account_depth(full_name: str) -> int:
    """Return how many levels an ``a:b:c`` account name has."""
    return len(str(full_name).split(":"))
