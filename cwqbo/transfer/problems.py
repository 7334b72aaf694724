"""Validation problems: what is wrong, exactly how to fix it, and on which screen (spec D3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

# The screens a problem can send the user to, named the way each product labels them.
MANAGE_GL = "Manage › System › Setup Tables › GL Accounts"
MANAGE_TAX = "Manage › System › Setup Tables › Tax Codes"
MANAGE_TERMS = "Manage › System › Setup Tables › Bill Term List"
MANAGE_PRODUCT_TYPES = "Manage › System › Setup Tables › Product Type"
MANAGE_COMPANY = "Manage › Companies › Company › Finance"
MANAGE_BILLING = "Manage › System › Setup Tables › Billing Setup"
MANAGE_INVOICE = "Manage › Finance › Invoice Search › the invoice"
MANAGE_TIME = "Manage › Time & Expense › the time entry"
QBO_ACCOUNTS = "QBO › Chart of accounts"
QBO_CUSTOMERS = "QBO › Sales › Customers"
QBO_VENDORS = "QBO › Expenses › Vendors"
QBO_ITEMS = "QBO › Sales › Products and services"
QBO_TAX = "QBO › Taxes › Sales tax settings"
QBO_CURRENCY = "QBO › Settings › Account and settings › Advanced › Currency"
QBO_CATEGORIES = "QBO › Settings › Account and settings › Advanced › Categories"
QBO_PRODUCTS = "QBO › Settings › Account and settings › Sales › Products and services"
QBO_CLASSES = "QBO › Settings › All lists › Classes"
QBO_LOCATIONS = "QBO › Settings › All lists › Locations"
CWQBO = "cwqbo › QuickBooks configuration › "
CWQBO_SALES = CWQBO + "Sales tab"
CWQBO_CONTACTS = CWQBO + "Contacts tab"
CWQBO_TAXES = CWQBO + "Taxes tab"
CWQBO_CURRENCY = CWQBO + "Currency tab"
CWQBO_CATEGORIES = CWQBO + "Categories tab"
CWQBO_PRODUCTS = CWQBO + "Products tab"
CWQBO_BATCH = "cwqbo › Create Invoice Batch › Invoice detail"


def either(*screens: str) -> str:
    """Name several screens where the fix can be made."""
    return ", or ".join(screens)


@dataclass(frozen=True)
class Problem:
    """One reason a transaction cannot be sent, with the fix and the screen to make it on."""

    message: str
    fix: str
    where: str

    def as_dict(self) -> dict:
        """Return the problem as a plain dict (for JSON rows and logs)."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.message} {self.fix} (Where: {self.where})"


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """Drop repeated problems, keeping the first occurrence's order."""
    return list(dict.fromkeys(problems))


class NotReady(ValueError):
    """A QBO body was asked for a document that still has problems (any kind)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def check_ready(problems: list[Problem], placeholders: bool) -> None:
    """Raise NotReady with the document's problems, unless a placeholder body was asked for."""
    if problems and not placeholders:
        raise NotReady(unique(problems))
