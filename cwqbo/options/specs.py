"""The option tabs of spec C7 and their cross-field rules (the Taxes tab is in ``taxes``)."""

from __future__ import annotations

from typing import Any

from cwqbo.options.fields import BOOL, CHOICE, REF, TEXT, Field, TabSpec
from cwqbo.options.lists import MANAGE_LOCATIONS, QBO_ACCOUNTS, QBO_ITEMS
from cwqbo.transfer.totals import MAX_TOLERANCE, parse_tolerance

INCOME_TYPES = ("Income", "Other Income")
COGS_TYPES = ("Cost of Goods Sold",)
ASSET_TYPES = ("Other Current Asset",)
BANK_TYPES = ("Bank",)
CARD_TYPES = ("Credit Card",)
DETAILED_SOURCES = ("work_role", "work_type")
QBO_CATEGORIES = "Settings › Account and settings › Advanced › Categories"


def preference(company: Any, path: str) -> Any:
    """Return a QBO preference of the connected company (``A.B`` path), or None if unknown."""
    node = getattr(company, "preferences", None) or {}
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


COMPANY = TabSpec(
    "company",
    "Company",
    10,
    (
        Field("name", "Name", TEXT, required=True, max_length=100),
        Field("is_default", "Default configuration", BOOL),
        Field("default_location", "Default Manage billing location", REF, source=MANAGE_LOCATIONS),
    ),
)


def sales_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    errors = {}
    if values["service_item_source"] in DETAILED_SOURCES and values["invoice_detail"] != "detailed":
        errors["invoice_detail"] = (
            "Work role and work type service items need Detailed invoices: choose Detailed, "
            "or GL account as the service item source."
        )
    children = ("allow_ipn", "allow_online", "allow_credit_card", "allow_ach")
    if not values["allow_epayments"] and any(values[c] for c in children):
        errors["allow_epayments"] = (
            "Allow e-payments to offer IPN, online, credit card or ACH payments on invoices."
        )
    tolerance = parse_tolerance(values["total_tolerance"])
    if tolerance is None:
        errors["total_tolerance"] = (
            f"Give an amount from 0 to {MAX_TOLERANCE} with at most two decimals, e.g. 0.05."
        )
    else:
        values["total_tolerance"] = str(tolerance)
    if values["total_difference"] == "adjust" and not values["adjustment_item"]:
        errors["adjustment_item"] = (
            "Adding adjustment lines needs the QuickBooks Online item they use: choose one "
            '(e.g. a non-inventory item "Rounding"), or choose Flag for review.'
        )
    return errors


SALES = TabSpec(
    "sales",
    "Sales",
    20,
    (
        Field("sales_display_uom", "Display unit of measure", BOOL),
        Field(
            "invoice_detail",
            "Default invoice export detail",
            CHOICE,
            choices=(("summary", "Summary"), ("detailed", "Detailed")),
        ),
        Field(
            "service_item_source",
            "Service item source",
            CHOICE,
            choices=(
                ("gl_account", "GL account"),
                ("work_role", "Work role"),
                ("work_type", "Work type"),
            ),
        ),
        Field("allow_epayments", "Allow e-payments", BOOL),
        Field("allow_ipn", "Allow IPN payments", BOOL, parent="allow_epayments"),
        Field("allow_online", "Allow online payments", BOOL, parent="allow_epayments"),
        Field("allow_credit_card", "Allow credit card payments", BOOL, parent="allow_epayments"),
        Field("allow_ach", "Allow ACH payments", BOOL, parent="allow_epayments"),
        Field(
            "total_difference",
            "When QuickBooks' total differs from ConnectWise's",
            CHOICE,
            choices=(("flag", "Flag for review"), ("adjust", "Add an adjustment line")),
            default="flag",
        ),
        Field(
            "total_tolerance", "Largest difference adjusted", TEXT, max_length=16, default="0.05"
        ),
        Field("adjustment_item", "Adjustment line item", REF, source=QBO_ITEMS),
    ),
    sales_rules,
)

PURCHASES = TabSpec(
    "purchases",
    "Purchases",
    30,
    (
        Field("purchases_display_uom", "Display unit of measure", BOOL),
        Field(
            "bill_date_source",
            "Bill date for item receipts",
            CHOICE,
            choices=(
                ("document", "Item receipt (document) date"),
                ("vendor_invoice", "Vendor invoice date"),
                ("po", "Purchase order date"),
            ),
        ),
    ),
)


def contacts_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    if ":" in values["collision_suffix"]:
        return {
            "collision_suffix": 'QuickBooks Online reads ":" as parent:child in names; use '
            'another character, e.g. "(C)".'
        }
    return {}


CONTACTS = TabSpec(
    "contacts",
    "Contacts",
    40,
    (
        Field("append_account_name", "Append account name to new customers and vendors", BOOL),
        Field("collision_suffix", "Name collision suffix", TEXT, max_length=20),
    ),
    contacts_rules,
)


def currency_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    if values["multi_currency"] and not saved.get("multi_currency") and not values["confirm"]:
        return {
            "confirm": "Tick this to confirm: QuickBooks Online cannot turn multi-currency off "
            "again once it is on."
        }
    return {}


CURRENCY = TabSpec(
    "currency",
    "Currency",
    60,
    (
        Field("multi_currency", "Multi-currency", BOOL),
        Field(
            "confirm",
            "I understand that multi-currency cannot be turned off again in QuickBooks Online",
            BOOL,
            stored=False,
        ),
    ),
    currency_rules,
)


def categories_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    errors = {}
    for kind, tracking, setting in (
        ("classes", getattr(company, "class_tracking", None), "Track classes"),
        ("locations", getattr(company, "location_tracking", None), "Track locations"),
    ):
        if values[f"create_{kind}"] and not values[f"use_{kind}"]:
            errors[f"create_{kind}"] = f"Creating {kind} needs Use {kind} too."
        if values[f"use_{kind}"] and tracking is False:
            errors[f"use_{kind}"] = (
                f"The QuickBooks Online company has {setting} turned off. Turn it on "
                f"({QBO_CATEGORIES}), then refresh the lists here."
            )
    return errors


CATEGORIES = TabSpec(
    "categories",
    "Categories",
    70,
    (
        Field("use_classes", "Use classes", BOOL),
        Field("create_classes", "Create classes", BOOL, parent="use_classes"),
        Field("use_locations", "Use locations", BOOL),
        Field("create_locations", "Create locations", BOOL, parent="use_locations"),
    ),
    categories_rules,
)


def products_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    errors = {}
    if values["track_quantity"]:
        for name, what in (("cogs_account", "cost of goods sold"), ("asset_account", "asset")):
            if not values[name]:
                errors[name] = f"Tracking quantity on hand needs an inventory {what} account."
        if values["products_as_services"]:
            errors["products_as_services"] = (
                "Service items have no quantity on hand: turn off one of the two."
            )
        if preference(company, "ProductAndServicesPrefs.QuantityOnHand") is False:
            errors["track_quantity"] = (
                "The QuickBooks Online company does not track quantity on hand. Turn it on "
                "(Settings › Account and settings › Sales › Products and services), then "
                "refresh the lists here."
            )
    return errors


PRODUCTS = TabSpec(
    "products",
    "Products",
    80,
    (
        Field(
            "income_account",
            "Income account",
            REF,
            source=QBO_ACCOUNTS,
            types=INCOME_TYPES,
            required=True,
        ),
        Field(
            "cogs_account", "Cost of goods sold account", REF, source=QBO_ACCOUNTS, types=COGS_TYPES
        ),
        Field(
            "asset_account", "Inventory asset account", REF, source=QBO_ACCOUNTS, types=ASSET_TYPES
        ),
        Field("track_quantity", "Track quantity on hand", BOOL),
        Field("products_as_services", "Create products as service items", BOOL),
    ),
    products_rules,
)


def expenses_rules(values: dict, saved: dict, company: Any) -> dict[str, str]:
    errors = {}
    if values["non_reimbursable_as_purchases"]:
        for name, method in (
            ("cash_account", "cash"),
            ("check_account", "check"),
            ("credit_card_account", "credit card"),
        ):
            if not values[name]:
                errors[name] = f"Choose the account that pays {method} expenses."
    return errors


EXPENSES = TabSpec(
    "expenses",
    "Expenses",
    90,
    (
        Field("reimbursable_as_bills", "Reimbursable expenses as bills", BOOL),
        Field("non_reimbursable_as_purchases", "Non-reimbursable expenses as purchases", BOOL),
        Field(
            "cash_account",
            "Cash paid from",
            REF,
            source=QBO_ACCOUNTS,
            types=BANK_TYPES,
            parent="non_reimbursable_as_purchases",
        ),
        Field(
            "check_account",
            "Checks paid from",
            REF,
            source=QBO_ACCOUNTS,
            types=BANK_TYPES,
            parent="non_reimbursable_as_purchases",
        ),
        Field(
            "credit_card_account",
            "Credit card paid from",
            REF,
            source=QBO_ACCOUNTS,
            types=CARD_TYPES,
            parent="non_reimbursable_as_purchases",
        ),
    ),
    expenses_rules,
)

SIMPLE_TABS = (SALES, PURCHASES, CONTACTS, CURRENCY, CATEGORIES, PRODUCTS, EXPENSES)
