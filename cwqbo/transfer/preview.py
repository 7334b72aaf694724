"""Dry run (spec J2): everything a batch would create in QBO, and every problem; no writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cwqbo.transfer.invoices import invoice_body, plan_invoice
from cwqbo.transfer.reference import ManageReference, QBOReference, names_needed
from cwqbo.transfer.runner import EXPORT_CHUNK, NEED_ORDER
from cwqbo.transfer.settings import TransferSettings


def dry_run(manage: Any, qbo: Any, manage_ids: Sequence[str], settings: TransferSettings) -> dict:
    """Plan every selected invoice against live data; only reads are sent to either API."""
    transactions: list[dict] = []
    customers: dict[Any, dict] = {}
    for start in range(0, len(manage_ids), EXPORT_CHUNK):
        export = manage.export_gl(
            "invoices",
            list(manage_ids[start : start + EXPORT_CHUNK]),
            summarize_invoices="Detailed",
        )
        transactions.extend(export.get("transactions") or [])
        for customer in export.get("customers") or []:
            customers[(customer.get("company") or {}).get("id")] = customer
    manage_ref = ManageReference.load(manage)
    customer_names, item_names = names_needed(
        {"transactions": transactions, "customers": list(customers.values())}, settings, manage_ref
    )
    qbo_ref = QBOReference.load(qbo, customer_names=customer_names, item_names=item_names)
    documents, creates, seen = [], [], set()
    for tx in transactions:
        customer = customers.get((tx.get("company") or {}).get("id"))
        plan = plan_invoice(tx, customer, qbo_ref, manage_ref, settings)
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
                "party": (tx.get("company") or {}).get("name", ""),
                "entity": plan.entity,
                "customer": plan.customer_name,
                "lines": plan.lines,
                "total": plan.expected_total,
                "currency": (tx.get("currency") or {}).get("currencyCode", ""),
                "problems": [p.as_dict() for p in plan.problems],
                "skip_reason": plan.skip_reason,
                "body": body,
            }
        )
    creates.sort(key=lambda c: (NEED_ORDER.index(c["entity"]), c["name"].lower()))
    return {
        "documents": documents,
        "creates": creates,
        "problems": sum(bool(d["problems"]) for d in documents),
        "skipped": sum(bool(d["skip_reason"]) for d in documents),
    }
