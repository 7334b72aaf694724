"""Unposted documents of the sample tenant: invoices, expenses, item receipts.

Each unposted document is stored as ``{"record": <Unposted* row>, "export": <GLExport part>}``;
the sandbox serves ``record`` from the unposted lists and ``export`` from the GL export.
Signs follow reference §5.1: AR header positive, revenue/tax detail negative.
"""

from __future__ import annotations

import datetime as dt

from . import sample_reference as ref
from .sample_common import CATALOG, GL_NAME, START, TERMS, TYPES, Context, cref, iso, money

TAX_LOCATION = {"FL-HILLS": 1, "EXEMPT": 1, "CO-DENVER": 2, "TX": 2, "QC-GST-QST": 3}
# Work role and work type refs of service lines, fixed per role (no rng draw, so the rest
# of the dataset does not move). Field names UNCONFIRMED (cwqbo/transfer/assumptions.py).
WORK_ROLE_IDS = {role[0]: n for n, role in enumerate(ref.WORK_ROLES, start=1)}
WORK_TYPES = {
    "Engineer": (1, "Remote Support"),
    "After Hours Engineer": (2, "After Hours"),
    "Onsite Technician": (3, "Onsite"),
    "Project Engineer": (4, "Project Work"),
}


def _service_line(ctx: Context) -> dict:
    role, acct, rate, text = ctx.rng.choice(ref.WORK_ROLES)
    hours = ctx.rng.choice([0.5, 1, 1.5, 2, 3, 4, 6, 8])
    return {
        "glTypeId": "R",
        "accountNumber": GL_NAME[acct],
        "glItemId": "",
        "description": f"{text} ({role})",
        "quantity": -hours,
        "itemPrice": rate,
        "total": -money(hours * rate),
        "taxableFlag": False,
        "itemTypeXref": "Service",
        "workRole": {"id": WORK_ROLE_IDS[role], "name": role},
        "workType": {"id": WORK_TYPES[role][0], "name": WORK_TYPES[role][1]},
    }


def _product_line(ctx: Context, ident: str) -> dict:
    cid, ident, desc, tid, _pc, price, cost, taxable = CATALOG[ident]
    qty = ctx.rng.choice([1, 1, 2, 3, 5, 10])
    line = {
        "glTypeId": "RP",
        "accountNumber": GL_NAME[ref.PRODUCT_TYPE_INCOME[tid]],
        "glItemId": ident,
        "item": {"id": cid, "identifier": ident},
        "description": desc,
        "itemDescription": desc,
        "quantity": -qty,
        "itemPrice": price,
        "itemCost": cost,
        "cost": money(qty * cost),
        "total": -money(qty * price),
        "taxableFlag": taxable,
        "itemTaxableFlag": taxable,
        "itemTypeXref": TYPES[tid][2],
        "subCategory": {"id": tid, "name": "General"},
    }
    if TYPES[tid][2] == "InventoryPart":
        line["costAccountNumber"] = GL_NAME[170]
        line["inventoryAccountNumber"] = GL_NAME[172]
    return line


def _agreement_line(ctx: Context, month: str) -> dict:
    seats = ctx.rng.choice([5, 10, 12, 20, 35])
    return {
        "glTypeId": "RA",
        "accountNumber": GL_NAME[120],
        "glItemId": "",
        "description": f"Managed Services Agreement - {month} ({seats} seats)",
        "quantity": -1,
        "itemPrice": money(seats * 95.0),
        "total": -money(seats * 95.0),
        "taxableFlag": False,
        "itemTypeXref": "Service",
    }


def _expense_line(ctx: Context) -> dict:
    miles = ctx.rng.choice([18, 24, 40, 62])
    return {
        "glTypeId": "RE",
        "accountNumber": GL_NAME[140],
        "glItemId": "",
        "description": f"Mileage {miles} mi",
        "quantity": -miles,
        "itemPrice": 0.7,
        "total": -money(miles * 0.7),
        "taxableFlag": False,
        "itemTypeXref": "Other Charge",
    }


def _pick_lines(ctx: Context, i: int, kind: str) -> list[dict]:
    if kind == "empty":
        return []
    if kind == "Agreement":
        return [_agreement_line(ctx, "June 2025")]
    idents = [c[1] for c in ref.CATALOG]
    lines = [_product_line(ctx, idents[i % len(idents)])]
    for _ in range(ctx.rng.randint(0, 3)):
        maker = ctx.rng.choice(["service", "service", "product", "expense"])
        if maker == "service":
            lines.append(_service_line(ctx))
        elif maker == "product":
            lines.append(_product_line(ctx, ctx.rng.choice(idents)))
        else:
            lines.append(_expense_line(ctx))
    return lines


PLAN = {
    0: ("empty", 250),
    1: ("dp-applied", 252),
    2: ("DownPayment", 252),
    3: ("fx", 256),
    4: ("fx", 272),
    5: ("CreditMemo", 250),
    6: ("Standard", 251),
}


def build_invoices(ctx: Context) -> tuple[list[dict], list[dict]]:
    """Return (unposted invoice documents, /finance/invoices records)."""
    clients = [c for c in ctx.companies if any(t["name"] == "Client" for t in c["types"])]
    unposted, invoices = [], []
    for i in range(60):
        kind, cid = PLAN.get(i, ("Agreement" if i % 7 == 0 else "Standard", None))
        company = ctx.company(cid) if cid else clients[(i * 7) % len(clients)]
        lines = _pick_lines(ctx, i, kind)
        inv_type = kind if kind in ("Agreement", "DownPayment", "CreditMemo") else "Standard"
        if kind == "dp-applied":
            lines = [_service_line(ctx), _service_line(ctx)]
            applied = money(-0.4 * sum(ln["total"] for ln in lines))
            lines.append(
                {
                    "glTypeId": "RD",
                    "accountNumber": GL_NAME[150],
                    "glItemId": "",
                    "description": "Down Payment Applied",
                    "quantity": 1,
                    "total": applied,
                    "taxableFlag": False,
                    "itemTypeXref": "Service",
                }
            )
        if kind == "DownPayment":
            lines = [
                {
                    "glTypeId": "RD",
                    "accountNumber": GL_NAME[150],
                    "glItemId": "",
                    "description": "Down payment - office move project",
                    "quantity": -1,
                    "itemPrice": 1500.0,
                    "total": -1500.0,
                    "taxableFlag": False,
                    "itemTypeXref": "Service",
                }
            ]
        doc, invoice = _invoice(ctx, i, company, inv_type, lines)
        unposted.append(doc)
        invoices.append(invoice)
    invoices.extend(_history(ctx, clients))
    return unposted, invoices


def _invoice(ctx: Context, i: int, company: dict, inv_type: str, lines: list[dict]):
    sign = -1 if inv_type == "CreditMemo" else 1
    for line in lines:
        line["total"] = money(line["total"] * sign)
        line["quantity"] = line["quantity"] * sign
    tax_ident = company["taxCode"]["name"]
    tax_id, _desc, levels = ref.TAX_CODES[tax_ident]
    taxable_total = -sum(ln["total"] for ln in lines if ln["taxableFlag"])
    day = START + dt.timedelta(days=i // 2)
    terms = TERMS[company["billingTerms"]["id"]]
    loc = ref.LOCATIONS[TAX_LOCATION[tax_ident] - 1]
    tax_lines, tax_levels, level_fields = [], [], {}
    for level, _cap, xref, agency, pct in levels:
        amount = money(taxable_total * pct / 100)
        if amount:
            tax_lines.append(
                {
                    "glTypeId": "ST",
                    "accountNumber": GL_NAME[160],
                    "glItemId": "",
                    "description": f"Level {level} Sales Tax",
                    "quantity": 0,
                    "total": -amount,
                    "taxRate": pct / 100,
                    "taxRatePercent": pct,
                    "taxCodeXref": xref,
                    "taxAgencyXref": agency,
                    "taxNote": "AUTOSTAX",
                    "taxableFlag": False,
                }
            )
        tax_levels.append(
            {
                "taxLevel": level,
                "taxCodeXref": xref,
                "taxableAmount": money(taxable_total),
                "taxAmount": amount,
            }
        )
        prefix = ref.LEVEL_PREFIX[level]
        level_fields.update(
            {f"{prefix}TaxFlag": bool(pct), f"{prefix}TaxXref": xref, f"{prefix}TaxAmount": amount}
        )
    detail = lines + tax_lines
    currency = company["currency"]
    for line in detail:
        line.update(
            {
                "id": next(ctx.gl_ids),
                "documentDate": iso(day),
                "documentType": "CREDIT MEMO" if sign < 0 else "INVOICE",
                "currency": currency,
                "glClass": loc["name"],
                "locationXref": loc["name"],
            }
        )
    ar_id = next(ctx.gl_ids)
    total = money(-sum(ln["total"] for ln in detail))
    sales_tax = money(-sum(ln["total"] for ln in tax_lines))
    number, bl_id = str(10001 + i), 4101 + i
    subtotal = money(total - sales_tax)
    due = day + dt.timedelta(days=terms[2])
    closed = f"{(day + dt.timedelta(days=1)).isoformat()}T14:03:11Z"
    location = {"id": loc["id"], "name": loc["name"]}
    record = {
        "id": 880001 + i,
        "billingLogId": bl_id,
        "locationId": loc["id"],
        "location": location,
        "departmentId": 1,
        "department": ref.DEPARTMENTS[0],
        "company": cref(company),
        "accountNumber": company["accountNumber"],
        "billToCompany": cref(company),
        "shipToCompany": cref(company),
        "billToSite": company["site"],
        "shipToSite": company["site"],
        "invoiceNumber": number,
        "invoiceDate": iso(day),
        "invoiceType": inv_type,
        "description": "Accounts Receivable",
        "billingTerms": {"id": terms[0], "name": terms[1]},
        "dueDays": str(terms[2]),
        "dueDate": iso(due),
        "currency": currency,
        "subTotal": subtotal,
        "total": total,
        "hasTime": any(ln["glTypeId"] == "R" for ln in lines),
        "hasExpenses": any(ln["glTypeId"] == "RE" for ln in lines),
        "hasProducts": any(ln["glTypeId"] == "RP" for ln in lines),
        "invoiceTaxableFlag": tax_ident != "EXEMPT",
        "itemTaxableFlag": taxable_total != 0,
        "avalaraTaxFlag": False,
        "taxCode": {"id": tax_id, "name": tax_ident},
        "salesTaxAmount": sales_tax,
        **level_fields,
        "createdBy": "jdoe",
        "dateClosed": closed,
    }
    export = {
        "id": bl_id,
        "glClass": loc["name"],
        "glTypeId": "AR",
        "documentDate": iso(day),
        "documentNumber": number,
        "documentType": "CREDIT MEMO" if sign < 0 else "INVOICE",
        "memo": f"Invoice {number}",
        "description": "Accounts Receivable",
        "company": cref(company),
        "companyType": {"id": 1, "name": "Client"},
        "companyAccountNumber": company["accountNumber"],
        "site": company["site"],
        "billingTerms": {"id": terms[0], "name": terms[1]},
        "billingTermsXref": terms[1],
        "dueDays": terms[2],
        "dueDate": iso(due),
        "accountNumber": GL_NAME[101],
        "billingType": inv_type,
        # The AR entry and the revenue lines; the tax lines are only in detail[] (as in
        # reference §3.7's example): the two sets differ, as in real exports.
        "glEntryIds": ",".join(map(str, [ar_id] + [ln["id"] for ln in lines])),
        "currency": currency,
        "total": total,
        "taxable": tax_ident != "EXEMPT",
        "taxableTotal": money(taxable_total),
        "taxCode": {"id": tax_id, "name": tax_ident},
        "salesTax": sales_tax,
        "taxAccountNumber": GL_NAME[160],
        "taxDpAppliedFlag": False,
        "agreementPrePaymentFlag": False,
        "detail": detail,
        "taxLevels": tax_levels,
    }
    invoice = {
        "id": bl_id,
        "invoiceNumber": number,
        "type": inv_type,
        "status": {"id": 2, "name": "Closed"},
        "company": cref(company),
        "billToCompany": cref(company),
        "accountNumber": company["accountNumber"],
        "billingSite": company["site"],
        "billingTerms": record["billingTerms"],
        "date": iso(day),
        "dueDate": iso(due),
        "locationId": loc["id"],
        "location": location,
        "departmentId": 1,
        "taxableFlag": tax_ident != "EXEMPT",
        "taxCode": record["taxCode"],
        "currency": currency,
        "serviceTotal": money(-sum(ln["total"] for ln in lines if ln["glTypeId"] in ("R", "RA"))),
        "productTotal": money(-sum(ln["total"] for ln in lines if ln["glTypeId"] == "RP")),
        "expenseTotal": money(-sum(ln["total"] for ln in lines if ln["glTypeId"] == "RE")),
        "subtotal": subtotal,
        "total": total,
        "salesTax": sales_tax,
        "payments": 0.0,
        "credits": 0.0,
        "balance": total,
        "closedBy": "jdoe",
    }
    return {"record": record, "export": export}, invoice


def _history(ctx: Context, clients: list[dict]) -> list[dict]:
    """Older invoices already batched (in batch 1): useful for payment sync."""
    out = []
    for n in range(6):
        company = clients[n]
        total = money(250.0 * (n + 1))
        out.append(
            {
                "id": 4001 + n,
                "invoiceNumber": str(9001 + n),
                "type": "Standard",
                "status": {"id": 2, "name": "Closed"},
                "company": cref(company),
                "accountNumber": company["accountNumber"],
                "date": "2025-04-15T00:00:00Z",
                "dueDate": "2025-05-15T00:00:00Z",
                "locationId": 1,
                "currency": company["currency"],
                "subtotal": total,
                "total": total,
                "salesTax": 0.0,
                "payments": 0.0,
                "credits": 0.0,
                "balance": total,
                "glBatch": {"id": 1, "name": "2025-04-30-HISTORY"},
            }
        )
    return out


from .sample_purchases import build_expenses, build_procurement  # noqa: E402,F401
