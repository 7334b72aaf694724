"""A bigger Manage dataset: the sample's invoices cloned to any count (benchmarks, paging)."""

from __future__ import annotations

import copy
import itertools

from .state import load_dataset


def scaled_dataset(count: int, *, currency: str = "USD") -> dict:
    """Return the sample dataset with ``count`` unposted invoices cloned from its own.

    Only the sample's ordinary invoices in ``currency`` are cloned (no empty, credit-memo or
    name-collision ones), so every clone is valid for the matching QBO sample realm. Each
    clone gets a new unposted row id, invoice id, invoice number and GL entry ids.
    """
    data = load_dataset(None)
    templates = [
        doc
        for doc in data["unpostedInvoices"]
        if doc["record"]["currency"]["currencyCode"] == currency
        and doc["record"]["invoiceType"] in ("Standard", "Agreement")
        and doc["export"]["detail"]
        and "Northwind" not in doc["record"]["company"]["name"]
    ]
    gl_ids = itertools.count(500_001)
    docs, invoices = [], []
    by_id = {inv["id"]: inv for inv in data["invoices"]}
    for n in range(count):
        doc = copy.deepcopy(templates[n % len(templates)])
        record, export = doc["record"], doc["export"]
        number, bl_id = str(200_001 + n), 600_001 + n
        record.update(id=1_000_001 + n, billingLogId=bl_id, invoiceNumber=number)
        header_ids = []  # as in the sample: the AR entry + the non-tax lines (tax only in detail)
        for line in export["detail"]:
            line["id"] = next(gl_ids)
            if line.get("glTypeId") != "ST":
                header_ids.append(line["id"])
        export.update(
            id=bl_id,
            documentNumber=number,
            memo=f"Invoice {number}",
            glEntryIds=",".join(map(str, [next(gl_ids), *header_ids])),
        )
        invoice = copy.deepcopy(by_id[templates[n % len(templates)]["record"]["billingLogId"]])
        invoice.update(id=bl_id, invoiceNumber=number)
        docs.append(doc)
        invoices.append(invoice)
    data["unpostedInvoices"] = docs
    data["invoices"] = invoices
    return data
