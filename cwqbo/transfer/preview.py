"""Dry run (spec J2): everything a batch would create in QBO, and every problem; no writes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cwqbo.transfer import problems as P
from cwqbo.transfer.invoices import InvoicePlan, invoice_body, plan_invoice
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.shape import company_id
from cwqbo.transfer.steps import NEED_ORDER, Shortfall, load_references, read_export

log = logging.getLogger(__name__)


def dry_run(manage: Any, qbo: Any, manage_ids: Sequence[str], settings: TransferSettings) -> dict:
    """Plan every selected invoice against live data; only reads are sent to either API."""
    transactions, customers, shortfall = read_export(manage, "invoices", manage_ids)
    manage_ref, qbo_ref = load_references(manage, qbo, transactions, customers, settings)
    documents, creates, seen = [], [], set()
    for tx in transactions:
        customer = customers.get(company_id(tx))
        try:
            plan = plan_invoice(tx, customer, qbo_ref, manage_ref, settings)
        except Exception as exc:  # as the run does: one unreadable invoice, not a broken page
            log.exception("planning invoice %s for the preview failed", tx.get("documentNumber"))
            plan = _unreadable(tx, exc)
        body = None
        if not plan.problems and plan.skip_reason is None:
            for need in plan.needs:
                key = (need.entity, need.name.lower())
                if key not in seen:
                    seen.add(key)
                    creates.append({"entity": need.entity, "name": need.name, "label": need.label})
            body = invoice_body(tx, customer, qbo_ref, manage_ref, settings, placeholders=True)
        documents.append(
            {
                "number": plan.doc_number,
                "party": _field(tx, "company", "name"),
                "entity": plan.entity,
                "customer": plan.customer_name,
                "lines": plan.lines,
                "total": plan.expected_total,
                "currency": _field(tx, "currency", "currencyCode"),
                "problems": [p.as_dict() for p in plan.problems],
                "skip_reason": plan.skip_reason,
                "body": body,
            }
        )
    if shortfall:  # name every transaction the export left out, never skip it silently
        documents += _missing(shortfall)
    creates.sort(key=lambda c: (NEED_ORDER.index(c["entity"]), c["name"].lower()))
    return {
        "documents": documents,
        "creates": creates,
        "problems": sum(bool(d["problems"]) for d in documents),
        "skipped": sum(bool(d["skip_reason"]) for d in documents),
    }


def _missing(shortfall: Shortfall) -> list[dict]:
    problem = Problem(
        f"{shortfall}.",
        "Check that the invoice is still unposted (it may have been batched elsewhere or "
        "reopened); it is not sent.",
        "Manage › Finance › Accounting Interface › Unposted Invoices",
    ).as_dict()
    return [
        {
            "number": f"(ConnectWise row {key})",
            "party": "",
            "entity": None,
            "customer": "",
            "lines": [],
            "total": 0.0,
            "currency": "",
            "problems": [problem],
            "skip_reason": None,
            "body": None,
        }
        for key in shortfall.missing
    ]


def _unreadable(tx: dict, exc: Exception) -> InvoicePlan:
    problem = Problem(
        f"ConnectWise sent data cwqbo cannot read for this invoice: {exc!r}",
        "Check the invoice in Manage; if Manage shows it correctly, report it with this message.",
        P.MANAGE_INVOICE,
    )
    return InvoicePlan(None, str(tx.get("documentNumber") or ""), "", Decimal(0), [problem], [])


def _field(tx: dict, ref: str, field: str) -> str:
    """Return a field of a Manage reference for display ("" when the export is malformed)."""
    value = tx.get(ref)
    value = value.get(field) if isinstance(value, dict) else None
    if isinstance(value, dict):  # Manage 2025.1 nests currencyCode as {id, name}
        value = value.get("name")
    return str(value or "")
