"""The options of a QBO configuration that the invoice mapping reads, as plain values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from cwqbo.transfer.pairing import Pairings
from cwqbo.transfer.totals import ADJUST, DEFAULT_TOLERANCE, FLAG, parse_tolerance

DETAIL_CHOICES = ("summary", "detailed")
BILL_DATE_SOURCES = ("document", "vendor_invoice", "po")
SERVICE_ITEM_SOURCES = ("gl_account", "work_role", "work_type")

# TransferSettings field -> ConfigurationOptions attribute, where the names differ.
OPTION_NAMES = {"display_uom": "sales_display_uom"}


@dataclass
class TransferSettings:
    """Every option the mapping reads; defaults are a new install's (spec C7)."""

    invoice_detail: str = "summary"
    service_item_source: str = "gl_account"
    display_uom: bool = False
    allow_epayments: bool = False
    allow_ipn: bool = False
    allow_online: bool = False
    allow_credit_card: bool = False
    allow_ach: bool = False
    append_account_name: bool = False
    exempt_tax_code_id: str | None = None
    tax_exempt_items: tuple[str, ...] = ()
    tax_mappings: dict[str, str] = field(default_factory=dict)
    multi_currency: bool = False
    use_classes: bool = False
    create_classes: bool = False
    use_locations: bool = False
    create_locations: bool = False
    income_account_id: str | None = None
    cogs_account_id: str | None = None
    asset_account_id: str | None = None
    track_quantity: bool = False
    products_as_services: bool = False
    reimbursable_as_bills: bool = True
    non_reimbursable_as_purchases: bool = True
    cash_account_id: str | None = None
    check_account_id: str | None = None
    credit_card_account_id: str | None = None
    bill_date_source: str = "document"  # Purchases tab: the item receipt bill date
    collision_suffix: str = ""  # Contacts tab: added to a new name a vendor/employee holds
    # Sales tab: a QBO total that differs from Manage's is flagged or adjusted (issue 13 §3)
    total_difference: str = FLAG
    total_tolerance: str = str(DEFAULT_TOLERANCE)
    adjustment_item_id: str | None = None
    # The configuration's pairings (issue 13), read once per batch by the caller.
    pairings: Pairings = field(default_factory=Pairings)

    def __post_init__(self) -> None:
        if self.invoice_detail not in DETAIL_CHOICES:
            raise ValueError(f"invoice_detail must be one of {DETAIL_CHOICES}")
        if self.service_item_source not in SERVICE_ITEM_SOURCES:
            raise ValueError(f"service_item_source must be one of {SERVICE_ITEM_SOURCES}")
        if self.bill_date_source not in BILL_DATE_SOURCES:
            raise ValueError(f"bill_date_source must be one of {BILL_DATE_SOURCES}")
        if self.total_difference not in (ADJUST, FLAG):
            raise ValueError(f"total_difference must be one of {(ADJUST, FLAG)}")
        self.tax_mappings = {str(k): str(v) for k, v in self.tax_mappings.items()}
        self.tax_exempt_items = tuple(self.tax_exempt_items)

    @property
    def detailed(self) -> bool:
        """Tell whether invoices are exported with Detailed lines."""
        return self.invoice_detail == "detailed"

    @property
    def tolerance(self) -> Decimal:
        """The largest difference an adjustment line may balance (a bad value: the default)."""
        value = parse_tolerance(self.total_tolerance)
        return DEFAULT_TOLERANCE if value is None else value

    @property
    def exempt_items(self) -> set[str]:
        """The tax-exempt Manage catalog identifiers, case-folded for matching."""
        return {i.casefold() for i in self.tax_exempt_items}

    @classmethod
    def from_options(
        cls, options: Any, tax_mappings: Iterable[Any], *, invoice_detail: str | None = None
    ) -> TransferSettings:
        """Read a ConfigurationOptions-like object (None = defaults) and its TaxMapping rows."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("tax_mappings", "tax_exempt_items", "pairings"):
                continue
            value = _option(options, OPTION_NAMES.get(f.name, f.name))
            if value is not None:
                values[f.name] = str(value) if f.name.endswith("_id") else value
        items = _option(options, "tax_exempt_items") or ()
        values["tax_exempt_items"] = tuple(_identifier(i) for i in items if _identifier(i))
        values["tax_mappings"] = {
            str(_option(m, "manage_tax_code_id")): str(_option(m, "qbo_tax_code_id"))
            for m in tax_mappings or ()
            if _option(m, "manage_tax_code_id") and _option(m, "qbo_tax_code_id")
        }
        if invoice_detail:
            values["invoice_detail"] = invoice_detail
        return cls(**values)


def _option(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _identifier(item: Any) -> str:
    # The Taxes tab stores each item as [catalog id, identifier]; plain strings also work.
    if isinstance(item, list | tuple):
        item = item[-1] if item else ""
    return str(item or "").strip()
