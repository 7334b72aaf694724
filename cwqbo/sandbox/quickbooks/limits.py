"""Limits real QBO refuses to cross: field lengths, amounts, line counts, A/R accounts, currency.

Numbers from shared/reference/quickbooks-online-api.md (§6 Limits, §7 Entities, §8 recap).
Codes and messages are QBO's where the reference quotes them (2050, 6000 wording); the detail
texts for the line, account and currency rules are this sandbox's, written in QBO's style, and
are listed in QUICKBOOKS_DATASET.md so the product can match them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from . import faults

NAME_FIELDS = {"DisplayName": 500, "CompanyName": 100, "PrintOnCheckName": 110}
PERSON_FIELDS = {"Title": 16, "GivenName": 100, "MiddleName": 100, "FamilyName": 100, "Suffix": 16}
TXN_FIELDS = {"DocNumber": 21, "PrivateNote": 4000}
LENGTHS: dict[str, dict[str, int]] = {
    "Customer": {**NAME_FIELDS, **PERSON_FIELDS, "Notes": 2000},
    "Vendor": {**NAME_FIELDS, **PERSON_FIELDS, "AcctNum": 100},
    "Employee": {**NAME_FIELDS, **PERSON_FIELDS},
    "Item": {"Name": 100, "Sku": 100, "Description": 4000, "PurchaseDesc": 1000},
    "Account": {"Name": 100},
    "Class": {"Name": 100},
    "Department": {"Name": 100},
    "Term": {"Name": 31},
    **{t: TXN_FIELDS for t in ("Invoice", "CreditMemo", "Bill", "Purchase", "Payment")},
}
LINE_DESCRIPTION = 4000
MAX_LINES = 10_000
MAX_TAXABLE_US_LINES = 750
AMOUNT_DIGITS, AMOUNT_DECIMALS = 15, 5  # reference §8: "up to 15 digits, 5 decimals"
AR_TYPE, AP_TYPE = "Accounts Receivable", "Accounts Payable"
NAME_REF = {
    "Invoice": ("CustomerRef", "Customer"),
    "CreditMemo": ("CustomerRef", "Customer"),
    "Payment": ("CustomerRef", "Customer"),
    "Bill": ("VendorRef", "Vendor"),
}


def too_long(element: str, limit: int, length: int) -> faults.Fault:
    return faults.Fault(
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Min:0 Max:{limit} "
        f"supplied length:{length}",
        element=element,
    )


def check_lengths(entity: str, row: dict[str, Any]) -> None:
    """Refuse any string field longer than QBO stores (fault 2050, element = the field)."""
    for name, limit in LENGTHS.get(entity, {}).items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise too_long(name, limit, len(value))
    for line in row.get("Line") or []:
        text = line.get("Description") if isinstance(line, dict) else None
        if isinstance(text, str) and len(text) > LINE_DESCRIPTION:
            raise too_long("Line.Description", LINE_DESCRIPTION, len(text))


def amount(value: Any, element: str) -> Decimal:
    """Parse an amount, refusing what QBO cannot store: not a number, or beyond 15 digits."""
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise faults.Fault(
            "2010",
            "Request has invalid or unsupported property",
            f"Property {element} has an invalid number: {value!r}",
            element=element,
        ) from None
    if not number.is_finite():
        raise out_of_range(element, value)
    sign, digits, exponent = number.normalize().as_tuple()
    decimals = max(0, -int(exponent))
    whole = max(0, len(digits) + int(exponent))
    if decimals > AMOUNT_DECIMALS or whole + decimals > AMOUNT_DIGITS:
        raise out_of_range(element, value)
    return number


def out_of_range(element: str, value: Any) -> faults.Fault:
    return faults.Fault(
        "2010",
        "Request has invalid or unsupported property",
        f"Property {element} is out of range: {value} (QBO amounts have at most "
        f"{AMOUNT_DIGITS} digits, {AMOUNT_DECIMALS} of them after the decimal point)",
        element=element,
    )


def check_lines(company: Any, entity: str, row: dict[str, Any]) -> None:
    """Refuse more than 10,000 lines, or more than 750 on a taxable US sales document."""
    lines = [ln for ln in row.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
    if len(lines) > MAX_LINES:
        raise faults.business(
            f"A transaction can have at most {MAX_LINES} lines; this one has {len(lines)}."
        )
    sales = entity in ("Invoice", "CreditMemo")
    if not sales or not company.us or len(lines) <= MAX_TAXABLE_US_LINES:
        return
    if not (company.prefs.get("TaxPrefs") or {}).get("UsingSalesTax"):
        return
    taxable = (row.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or any(
        str(((ln.get("SalesItemLineDetail") or {}).get("TaxCodeRef") or {}).get("value")).upper()
        == "TAX"
        for ln in lines
    )
    if taxable:
        raise faults.business(
            f"A taxable {entity} can have at most {MAX_TAXABLE_US_LINES} lines; this one has "
            f"{len(lines)}. Split it into several transactions."
        )


def check_accounts(company: Any, entity: str, row: dict[str, Any]) -> None:
    """ARAccountRef must be an A/R account, APAccountRef an A/P one (refs already resolve)."""
    for key, wanted in (("ARAccountRef", AR_TYPE), ("APAccountRef", AP_TYPE)):
        ref = row.get(key)
        if not isinstance(ref, dict) or not ref.get("value"):
            continue
        account = company.get("Account", str(ref["value"])) or {}
        if account.get("AccountType") != wanted:
            raise faults.Fault(
                "6000",
                "A business validation error has occurred while processing your request",
                f"Business Validation Error: {key} must be an {wanted} account; account "
                f"{ref['value']} ({account.get('Name')}) is of type {account.get('AccountType')}.",
                element=key,
            )


def check_currency(company: Any, entity: str, row: dict[str, Any]) -> None:
    """A document must be in its customer's (vendor's) currency; home currency by default."""
    home = str(
        ((company.prefs.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value", "USD")
    ).upper()
    key, name_entity = NAME_REF.get(entity, ("EntityRef", None))
    ref = row.get(key) or {}
    if name_entity is None and isinstance(ref, dict):
        name_entity = ref.get("type")
    if not name_entity or not isinstance(ref, dict) or not ref.get("value"):
        return
    holder = company.get(name_entity, str(ref["value"])) or {}
    held = str((holder.get("CurrencyRef") or {}).get("value") or home).upper()
    sent = str((row.get("CurrencyRef") or {}).get("value") or home).upper()
    if sent != held:
        raise faults.Fault(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: The currency of the transaction is invalid for customer "
            f"/ vendor / account. ({entity} in {sent}; {name_entity.lower()} "
            f"{holder.get('DisplayName', ref['value'])} uses {held})",
            element="CurrencyRef",
        )
