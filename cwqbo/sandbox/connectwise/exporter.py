"""Assemble GLExport bodies and BatchEntry rows from stored documents (reference §3.7)."""

from __future__ import annotations

import copy
from typing import Any

LEVEL_PREFIX = {1: "state", 2: "county", 3: "city", 4: "country", 5: "composite"}


def money(x: float) -> float:
    return round(float(x) + 1e-9, 2)


def _by_id(rows: list[dict]) -> dict[int, dict]:
    return {r["id"]: r for r in rows}


def _customer(company: dict, tax_codes: dict[int, dict], terms: dict[str, dict]) -> dict:
    tax = tax_codes.get((company.get("taxCode") or {}).get("id"), {})
    term = terms.get((company.get("billingTerms") or {}).get("name"), {})
    levels = tax.get("taxCodeLevels", [])
    customer: dict[str, Any] = {
        "company": {k: company[k] for k in ("id", "identifier", "name")},
        "companyType": (company.get("types") or [{"id": 1, "name": "Client"}])[0],
        "accountNumber": company.get("accountNumber", ""),
        "site": company.get("site"),
        "billingTerms": company.get("billingTerms"),
        "billingTermsXref": term.get("termsXref", ""),
        "dueDays": term.get("dueDays", 0),
        "taxable": tax.get("identifier") != "EXEMPT",
        "taxCode": company.get("taxCode"),
        "currency": company.get("currency"),
        "taxLevels": [
            {
                "taxLevel": lv["taxLevel"],
                "taxCodeXref": lv["taxCodeXref"],
                "agencyXref": lv["agencyXref"],
                "taxRate": lv["taxRate"] / 100,
            }
            for lv in levels
        ],
    }
    for lv in levels:
        prefix = LEVEL_PREFIX.get(lv["taxLevel"])
        if prefix:
            customer[f"{prefix}TaxXref"] = lv["taxCodeXref"]
            customer[f"{prefix}TaxRate"] = lv["taxRate"] / 100
            customer[f"{prefix}TaxAgencyXref"] = lv["agencyXref"]
    return {k: v for k, v in customer.items() if v is not None}


def _vendor_company(company: dict, terms: dict[str, dict]) -> dict:
    term = terms.get((company.get("billingTerms") or {}).get("name"), {})
    ref = {k: company[k] for k in ("id", "identifier", "name")}
    return {
        "vendor": ref,
        "company": ref,
        "vendorNumber": company.get("vendorIdentifier", company["identifier"]),
        "accountNumber": company.get("accountNumber", ""),
        "billingTerms": company.get("billingTerms"),
        "dueDays": term.get("dueDays", 0),
        "taxCode": company.get("taxCode"),
    }


def build_export(data: dict, chosen: dict[str, list[dict]]) -> dict:
    """Return a GLExport for the chosen documents of each kind."""
    companies = _by_id(data.get("companies", []))
    members = _by_id(data.get("members", []))
    tax_codes = _by_id(data.get("taxCodes", []))
    terms = {t["name"]: t for t in data.get("billingTerms", [])}
    customers, vendors, seen_c, seen_v = [], [], set(), set()
    for doc in chosen.get("invoices", []):
        cid = doc["export"]["company"]["id"]
        if cid not in seen_c and cid in companies:
            seen_c.add(cid)
            customers.append(_customer(companies[cid], tax_codes, terms))
    for doc in chosen.get("expenses", []):
        mid = doc["export"]["member"]["id"]
        if ("m", mid) not in seen_v and mid in members:
            seen_v.add(("m", mid))
            m = members[mid]
            vendors.append(
                {
                    "member": {
                        "id": mid,
                        "identifier": m["identifier"],
                        "name": f"{m['firstName']} {m['lastName']}",
                    },
                    "vendorNumber": m.get("vendorNumber", ""),
                }
            )
    for doc in chosen.get("products", []):
        cid = doc["export"]["company"]["id"]
        if ("c", cid) not in seen_v and cid in companies:
            seen_v.add(("c", cid))
            vendors.append(_vendor_company(companies[cid], terms))
    return {
        "exportSettings": {},
        "customers": customers,
        "vendors": vendors,
        "transactions": [copy.deepcopy(d["export"]) for d in chosen.get("invoices", [])],
        "expenses": [copy.deepcopy(d["export"]) for d in chosen.get("expenses", [])],
        "expenseBills": [],
        "purchaseTransactions": [copy.deepcopy(d["export"]) for d in chosen.get("products", [])],
        "adjustmentTransactions": [],
        "inventoryTransfers": [],
    }


def _lines(kind: str, export: dict) -> list[dict]:
    if kind == "invoices":
        return export.get("detail") or []
    if kind == "expenses":
        return [export, export.get("offset") or {}]
    return (export.get("purchaseDetail") or []) + (export.get("purchaseDetailTax") or [])


def batch_entry(gl_id: int, doc: dict, kind: str) -> dict:
    """Return the BatchEntry Manage lists for one batched GL record."""
    export, record = doc["export"], doc["record"]
    line = next((ln for ln in _lines(kind, export) if ln.get("id") == gl_id), None)
    if line is None:  # the invoice's AR header entry
        line = {
            "glTypeId": export.get("glTypeId", "AR"),
            "total": export.get("total", 0.0),
            "accountNumber": export.get("accountNumber", ""),
            "description": export.get("description", ""),
        }
    total = money(line.get("total") or 0.0)
    entry: dict[str, Any] = {
        "id": gl_id,
        "accountType": line.get("glTypeId", ""),
        "name": line.get("description") or line.get("itemDescription") or "",
        "accountNumber": line.get("accountNumber", ""),
        "debit": total if total > 0 else 0.0,
        "credit": -total if total < 0 else 0.0,
        "cost": money(line.get("cost") or 0.0),
        "item": (line.get("item") or {}).get("identifier", ""),
        "salesCode": "",
    }
    if kind == "invoices":
        entry["invoice"] = {"id": record["billingLogId"], "identifier": record["invoiceNumber"]}
    elif kind == "expenses":
        entry["expense"] = {"id": record["expenseDetailId"]}
    else:
        entry["purchaseOrder"] = copy.deepcopy(record["purchaseOrder"])
    return entry
