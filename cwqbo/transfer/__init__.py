"""The transfer domain: Manage GL-export invoices mapped and validated for QuickBooks Online.

Pure domain code (no Flask, no RQ, no database): callers pass reference data and settings in
and get plans, problems and QBO bodies back. The batch runner builds on these functions.
"""

from cwqbo.transfer.invoices import (
    NO_LINES,
    InvoiceNotReady,
    InvoicePlan,
    Needed,
    UnresolvedReference,
    invoice_body,
    plan_invoice,
)
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.reference import ManageReference, QBOReference, names_needed
from cwqbo.transfer.settings import TransferSettings

__all__ = [
    "NO_LINES",
    "InvoiceNotReady",
    "InvoicePlan",
    "ManageReference",
    "Needed",
    "Problem",
    "QBOReference",
    "TransferSettings",
    "UnresolvedReference",
    "invoice_body",
    "names_needed",
    "plan_invoice",
]
