"""Reference data, invoices and invoice payments (reference §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from . import conditions as C

COMPANIES = "/company/companies"
MEMBERS = "/system/members"
LOCATIONS = "/system/locations"
GL_ACCOUNTS = "/finance/glAccounts"
BILLING_TERMS = "/finance/billingTerms"
TAX_CODES = "/finance/taxCodes"
CURRENCIES = "/finance/currencies"
PRODUCT_TYPES = "/procurement/types"
CATALOG = "/procurement/catalog"
PURCHASE_ORDERS = "/procurement/purchaseorders"
INVOICES = "/finance/invoices"
SYSTEM_INFO = "/system/info"


class ReferenceMixin:
    """Methods of :class:`~cwqbo.connectwise.client.ManageClient` for reference data."""

    def system_info(self) -> dict:
        """Return ``/system/info`` (version, isCloud, …): a cheap authenticated call."""
        return self.get(SYSTEM_INFO) or {}

    # -- companies and members -----------------------------------------------------------

    def iter_companies(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(COMPANIES, conditions=conditions, **kw)

    def get_company(self, company_id: int) -> dict:
        return self.get(f"{COMPANIES}/{int(company_id)}")

    def find_companies_by_name(self, name: str) -> list[dict]:
        """Return companies whose name is exactly ``name`` (quotes and all)."""
        return list(self.iter_companies(C.eq("name", name)))

    def iter_members(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(MEMBERS, conditions=conditions, **kw)

    def get_member(self, member_id: int) -> dict:
        return self.get(f"{MEMBERS}/{int(member_id)}")

    def iter_locations(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(LOCATIONS, conditions=conditions, **kw)

    # -- finance setup -------------------------------------------------------------------

    def iter_gl_accounts(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(GL_ACCOUNTS, conditions=conditions, **kw)

    def iter_billing_terms(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(BILLING_TERMS, conditions=conditions, **kw)

    def iter_currencies(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(CURRENCIES, conditions=conditions, **kw)

    def iter_tax_codes(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(TAX_CODES, conditions=conditions, **kw)

    def list_tax_code_levels(self, tax_code_id: int) -> list[dict]:
        """Return the levels of one tax code, lowest level first."""
        path = f"{TAX_CODES}/{int(tax_code_id)}/taxCodeLevels"
        return list(self.iter_records(path, order_by="taxLevel asc"))

    def iter_tax_codes_with_levels(self, conditions: str | None = None) -> Iterator[dict]:
        """Yield tax codes, each with a ``levels`` list from ``taxCodeLevels``."""
        for code in self.iter_tax_codes(conditions):
            yield {**code, "levels": self.list_tax_code_levels(code["id"])}

    # -- procurement ---------------------------------------------------------------------

    def iter_product_types(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(PRODUCT_TYPES, conditions=conditions, **kw)

    def iter_catalog_items(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(CATALOG, conditions=conditions, **kw)

    def iter_purchase_orders(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(PURCHASE_ORDERS, conditions=conditions, **kw)

    def get_purchase_order(self, po_id: int) -> dict:
        return self.get(f"{PURCHASE_ORDERS}/{int(po_id)}")

    def list_purchase_order_lines(self, po_id: int) -> list[dict]:
        return list(self.iter_records(f"{PURCHASE_ORDERS}/{int(po_id)}/lineitems"))

    # -- invoices and payments -----------------------------------------------------------

    def iter_invoices(self, conditions: str | None = None, **kw: Any) -> Iterator[dict]:
        return self.iter_records(INVOICES, conditions=conditions, **kw)

    def get_invoice(self, invoice_id: int) -> dict:
        return self.get(f"{INVOICES}/{int(invoice_id)}")

    def find_invoice_by_number(self, invoice_number: str) -> dict | None:
        """Return the invoice with this number, or ``None``."""
        cond = C.eq("invoiceNumber", str(invoice_number))
        return next(self.iter_records(INVOICES, conditions=cond, page_size=2), None)

    def list_invoice_payments(self, invoice_id: int) -> list[dict]:
        return list(self.iter_records(f"{INVOICES}/{int(invoice_id)}/payments"))

    def create_invoice_payment(
        self,
        invoice_id: int,
        amount: float,
        payment_date: dt.date | dt.datetime,
        **fields: Any,
    ) -> dict:
        """Record a payment on a Manage invoice; return the created payment."""
        body = {
            "invoice": {"id": int(invoice_id)},
            "amount": round(float(amount), 2),
            "paymentDate": C.format_datetime(payment_date)[1:-1],
            **fields,
        }
        return self.post(f"{INVOICES}/{int(invoice_id)}/payments", body)

    def delete_invoice_payment(self, invoice_id: int, payment_id: int) -> None:
        """Remove one payment from a Manage invoice."""
        self.delete(f"{INVOICES}/{int(invoice_id)}/payments/{int(payment_id)}")
