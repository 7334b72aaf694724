"""One call of every public ManageClient method against the sandbox, for the response checks.

``CALLS`` maps each method name to how the test calls it. ``GENERIC`` are the verbs the
endpoint methods are built on (exercised through them). test_cw_sandbox_schemas asserts
that CALLS ∪ GENERIC is exactly the client's public methods, so a new endpoint method
without an entry here fails the test instead of going unchecked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cwqbo.connectwise import ManageClient
from cwqbo.connectwise import conditions as C
from cwqbo.connectwise.glexport import processed_record_ids

GENERIC = {
    "request",
    "get",
    "post",
    "delete",
    "iter_pages",
    "iter_records",
    "read_all",
    "read_first",
    "count",
    "url",
    "close",
}


def public_methods() -> set[str]:
    return {
        n for n in dir(ManageClient) if not n.startswith("_") and callable(getattr(ManageClient, n))
    }


class Context:
    """Rows and ids the calls need, read once from the sandbox."""

    def __init__(self, client: ManageClient):
        self.invoice = next(
            client.iter_unposted_invoices(conditions=C.eq("invoiceNumber", "10009"))
        )
        self.expense = next(client.iter_unposted_expenses())
        self.product = next(client.iter_unposted_procurement())
        self.paid = client.find_invoice_by_number("10010")
        self.batch: dict | None = None
        self.payment: dict | None = None


def _batch(c: ManageClient, x: Context) -> dict:
    if x.batch is None:
        done = next(c.iter_unposted_invoices(conditions=C.eq("invoiceNumber", "10020")))
        ids = processed_record_ids(c.export_gl("invoices", [done["billingLogId"]]))
        x.batch = c.create_batch("2025-06-01-I10020", ids, kind="invoices")
    return x.batch


def _payment(c: ManageClient, x: Context) -> dict:
    if x.payment is None:
        x.payment = c.create_invoice_payment(x.paid["id"], 25.0, dt.date(2025, 6, 3))
    return x.payment


def _delete_payment(c: ManageClient, x: Context) -> None:
    c.delete_invoice_payment(x.paid["id"], _payment(c, x)["id"])
    x.payment = None


def _delete_batch(c: ManageClient, x: Context) -> None:
    c.delete_batch(_batch(c, x)["id"])
    x.batch = None


Call = Callable[[ManageClient, Context], Any]
# Order matters only where a call needs what an earlier one made (batches, payments).
CALLS: dict[str, Call] = {
    "discover": lambda c, x: c.discover(),
    "system_info": lambda c, x: c.system_info(),
    "iter_unposted": lambda c, x: list(c.iter_unposted("invoices", location_id=1)),
    "count_unposted": lambda c, x: c.count_unposted("expenses"),
    "read_unposted": lambda c, x: c.read_unposted("invoices", page_size=20),
    "read_unposted_first": lambda c, x: c.read_unposted_first("products", page_size=5),
    "iter_unposted_invoices": lambda c, x: list(c.iter_unposted_invoices(page_size=50)),
    "count_unposted_invoices": lambda c, x: c.count_unposted_invoices(),
    "iter_unposted_expenses": lambda c, x: list(c.iter_unposted_expenses()),
    "count_unposted_expenses": lambda c, x: c.count_unposted_expenses(),
    "iter_unposted_procurement": lambda c, x: list(c.iter_unposted_procurement()),
    "count_unposted_procurement": lambda c, x: c.count_unposted_procurement(),
    "get_unposted": lambda c, x: [
        c.get_unposted("invoices", x.invoice["id"]),
        c.get_unposted("expenses", x.expense["id"]),
        c.get_unposted("products", x.product["id"]),
    ],
    "list_unposted_taxable_levels": lambda c, x: c.list_unposted_taxable_levels(
        "invoices", x.invoice["id"]
    ),
    "export_ids_for": lambda c, x: c.export_ids_for("invoices", [x.invoice["id"]]),
    "export_gl": lambda c, x: [
        c.export_gl("invoices", [x.invoice["billingLogId"]]),
        c.export_gl("expenses", [x.expense["expenseDetailId"]]),
        c.export_gl("products", [x.product["unpostedProductId"]]),
    ],
    "create_batch": _batch,
    "find_batch": lambda c, x: c.find_batch(_batch(c, x)["batchIdentifier"]),
    "find_batches": lambda c, x: c.find_batches([_batch(c, x)["batchIdentifier"], "none"]),
    "iter_batches": lambda c, x: list(c.iter_batches()),
    "count_batches": lambda c, x: c.count_batches(),
    "get_batch": lambda c, x: c.get_batch(_batch(c, x)["id"]),
    "iter_batch_entries": lambda c, x: list(c.iter_batch_entries(_batch(c, x)["id"])),
    "delete_batch": _delete_batch,
    "iter_companies": lambda c, x: list(c.iter_companies()),
    "get_company": lambda c, x: c.get_company(250),
    "find_companies_by_name": lambda c, x: c.find_companies_by_name("Contoso Ltd"),
    "iter_members": lambda c, x: list(c.iter_members()),
    "get_member": lambda c, x: c.get_member(7),
    "iter_locations": lambda c, x: list(c.iter_locations()),
    "iter_gl_accounts": lambda c, x: list(c.iter_gl_accounts()),
    "iter_billing_terms": lambda c, x: list(c.iter_billing_terms()),
    "iter_currencies": lambda c, x: list(c.iter_currencies()),
    "iter_tax_codes": lambda c, x: list(c.iter_tax_codes()),
    "list_tax_code_levels": lambda c, x: c.list_tax_code_levels(3),
    "iter_tax_codes_with_levels": lambda c, x: list(c.iter_tax_codes_with_levels()),
    "iter_product_types": lambda c, x: list(c.iter_product_types()),
    "iter_catalog_items": lambda c, x: list(c.iter_catalog_items()),
    "iter_purchase_orders": lambda c, x: list(c.iter_purchase_orders()),
    "get_purchase_order": lambda c, x: c.get_purchase_order(813),
    "list_purchase_order_lines": lambda c, x: c.list_purchase_order_lines(813),
    "iter_invoices": lambda c, x: list(c.iter_invoices()),
    "get_invoice": lambda c, x: c.get_invoice(x.paid["id"]),
    "find_invoice_by_number": lambda c, x: c.find_invoice_by_number("10010"),
    "create_invoice_payment": _payment,
    "list_invoice_payments": lambda c, x: [_payment(c, x), c.list_invoice_payments(x.paid["id"])],
    "delete_invoice_payment": _delete_payment,
}
