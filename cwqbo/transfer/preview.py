"""Dry run (spec J2): everything a batch would create in QBO, and every problem; no writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cwqbo.transfer.invoices import invoice_body, plan_invoice
from cwqbo.transfer.problems import Problem
from cwqbo.transfer.settings import TransferSettings
from cwqbo.transfer.steps import NEED_ORDER, Shortfall, load_references, read_export


def dry_run(manage: Any, qbo: Any, manage_ids: Sequence[str], settings: TransferSettings) -> dict:
    """Plan every selected invoice against live data; only reads are sent to either API."""
    transactions, customers, shortfall = read_export(manage, "invoices", manage_ids)
    manage_ref, qbo_ref = load_references(manage, qbo, transactions, customers, settings)
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
