"""Unposted expenses and item receipts (procurement) of the sample tenant."""

from __future__ import annotations

import datetime as dt

from . import sample_reference as ref
from .sample_common import CATALOG, GL_NAME, START, TERMS, TYPES, Context, cref, iso, money

EXPENSE_MEMBERS = ["jdoe", "zadmin", "mgarcia", "kobrien", "tnguyen", "lroy"]


def _mref(member: dict) -> dict:
    name = f"{member['firstName']} {member['lastName']}"
    return {"id": member["id"], "identifier": member["identifier"], "name": name}


def build_expenses(ctx: Context) -> list[dict]:
    """Return 20 unposted expense documents (reimbursable and not, several members)."""
    members = {m["identifier"]: m for m in ctx.members}
    own = ctx.company(19)
    clients = [c for c in ctx.companies if any(t["name"] == "Client" for t in c["types"])]
    out = []
    for i in range(20):
        member = members[EXPENSE_MEMBERS[i % len(EXPENSE_MEMBERS)]]
        reimbursable = i % 3 != 2
        method = ref.PAYMENT_METHODS[(i % 2) * 2 if reimbursable else 3 - (i % 2) * 2]
        type_id, type_name, acct = ref.EXPENSE_TYPES[i % len(ref.EXPENSE_TYPES)]
        billable = i % 4 == 0
        company = clients[i % len(clients)] if billable else own
        total = money(ctx.rng.choice([12.5, 18.9, 42.5, 64.0, 129.99, 210.0, 35.25]) + i)
        day = START + dt.timedelta(days=i)
        gl_id, offset_id = next(ctx.gl_ids), next(ctx.gl_ids)
        usd = ref.CURRENCIES["USD"]
        gl_type = next(g[2] for g in ref.GL_ACCOUNTS if g[0] == acct)
        record = {
            "id": 55101 + i,
            "expenseDetailId": 9901 + i,
            "locationId": 1,
            "departmentId": 1,
            "company": cref(company),
            "accountNumber": company["accountNumber"],
            "creditAccount": GL_NAME[185],
            "expenseType": {"id": type_id, "name": type_name},
            "classification": "Reimbursable" if reimbursable else "NonReimbursable",
            "glType": gl_type,
            "member": _mref(member),
            "dateExpense": iso(day),
            "chargeCode": {"id": 1, "name": "Internal"} if not billable else None,
            "chargeDescription": f"{type_name} for {company['name']}",
            "inPolicy": True,
            "paymentMethod": {"id": method[0], "name": method[1]},
            "currency": usd,
            "total": total,
            "billableAmount": total if billable else 0.0,
            "nonBillableAmount": 0.0 if billable else total,
            "agreementAmountCovered": 0.0,
            "salesTaxAmount": 0.0,
            "avalaraTaxFlag": False,
            "itemTaxableFlag": False,
            "dateClosed": f"{(day + dt.timedelta(days=3)).isoformat()}T10:00:00Z",
        }
        record = {k: v for k, v in record.items() if v is not None}
        export = {
            "id": gl_id,
            "documentDate": iso(day),
            "documentType": "EXPENSE",
            "apAccountNumber": GL_NAME[102],
            "accountNumber": GL_NAME[acct],
            "glClass": "Tampa HQ",
            "glTypeId": gl_type,
            "memo": f"{type_name} - {member['identifier']}",
            "description": record["chargeDescription"],
            "periodStartDate": iso(day),
            "periodEndDate": iso(day + dt.timedelta(days=6)),
            "member": _mref(member),
            "vendorNumber": member.get("vendorNumber", ""),
            "company": cref(company),
            "companyAccountNumber": company["accountNumber"],
            "currency": usd,
            "total": total,
            "offset": {
                "id": offset_id,
                "documentDate": iso(day),
                "documentType": "EXPENSE",
                "accountNumber": GL_NAME[185],
                "glTypeId": "EO",
                "glClass": "Tampa HQ",
                "member": _mref(member),
                "memo": f"{type_name} - {member['identifier']}",
                "description": "Expense offset",
                "total": -total,
            },
        }
        out.append({"record": record, "export": export})
    return out


# po id, vendor id, [(catalog identifier, qty)], freight, taxed, receipts (packing slips)
PURCHASES = [
    (812, 6, [("SSD-1TB", 10), ("DOCK-USB-C", 4)], 12.5, False, ["PS-812"]),
    (813, 6, [("LAPTOP-14", 6)], 40.0, True, ["PS-813-1", "PS-813-2"]),
    (814, 7, [("FW-TZ370", 2)], 0.0, False, ["PS-814"]),
    (815, 8, [("M365-BP", 25), ("M365-EXO", 10)], 0.0, False, ["PS-815"]),
    (816, 257, [("BACKUP-SVR", 3)], 0.0, True, ["PS-816"]),
    (817, 9, [("DOCK-USB-C", 5), ("SHIP-GROUND", 1)], 0.0, False, ["PS-817"]),
    (818, 7, [("AV-ENDPOINT", 50)], 0.0, False, ["PS-818"]),
    (819, 6, [("SSD-1TB", 20)], 25.0, True, ["PS-819"]),
    (820, 9, [("SHIP-OVERNIGHT", 1), ("LAPTOP-14", 1)], 0.0, False, ["PS-820"]),
]


def _detail_account(tid: int) -> str:
    return GL_NAME[172] if TYPES[tid][2] == "InventoryPart" else GL_NAME[171]


def build_procurement(ctx: Context) -> tuple[list[dict], list[dict]]:
    """Return (purchase orders, 10 unposted item-receipt documents)."""
    orders, unposted = [], []
    tax_id, _d, levels = ref.TAX_CODES["FL-HILLS"]
    tax_pct = sum(lv[4] for lv in levels)
    n = 0
    for po_id, vendor_id, items, freight, taxed, slips in PURCHASES:
        vendor = ctx.company(vendor_id)
        terms = TERMS[vendor["billingTerms"]["id"]]
        po_number = f"PO-{po_id:06d}"
        po_day = START + dt.timedelta(days=po_id - 812)
        line_items, po_sub = [], 0.0
        for line_no, (ident, qty) in enumerate(items, start=1):
            cid, _i, desc, _t, _pc, _p, cost, _tx = CATALOG[ident]
            po_sub += qty * cost
            line_items.append(
                {
                    "id": po_id * 10 + line_no,
                    "lineNumber": line_no,
                    "product": {"id": cid, "identifier": ident},
                    "description": desc,
                    "quantity": qty,
                    "unitCost": cost,
                    "extCost": money(qty * cost),
                    "receivedQuantity": qty,
                    "receivedStatus": "FullyReceived",
                    "packingSlip": slips[-1],
                    "batchedFlag": False,
                    "closedFlag": True,
                }
            )
        po_tax = money(po_sub * tax_pct / 100) if taxed else 0.0
        orders.append(
            {
                "id": po_id,
                "poNumber": po_number,
                "poDate": iso(po_day),
                "status": {"id": 3, "name": "Closed"},
                "vendorCompany": cref(vendor),
                "terms": {"id": terms[0], "name": terms[1]},
                "subTotal": money(po_sub),
                "salesTax": po_tax,
                "freightCost": freight,
                "freightTaxTotal": 0.0,
                "total": money(po_sub + po_tax + freight),
                "taxPoFlag": taxed,
                "taxCode": {"id": tax_id, "name": "FL-HILLS"},
                "taxFreightFlag": False,
                "closedFlag": True,
                "dateClosed": iso(po_day + dt.timedelta(days=4)),
                "locationId": 1,
                "currency": ref.CURRENCIES["USD"],
                "vendorInvoiceNumber": f"INV-{po_id}77",
                "lineItems": line_items,
            }
        )
        for part, slip in enumerate(slips):
            split = len(slips)
            details, sub = [], 0.0
            for line in line_items:
                qty = line["quantity"] // split + (line["quantity"] % split if part == 0 else 0)
                cid, ident, desc, tid, _pc, price, cost, _tx = CATALOG[
                    line["product"]["identifier"]
                ]
                sub += qty * cost
                details.append(
                    {
                        "id": next(ctx.gl_ids),
                        "glTypeId": "P",
                        "glItemId": ident,
                        "accountNumber": _detail_account(tid),
                        "inventoryAccountNumber": GL_NAME[172],
                        "costAccountNumber": GL_NAME[170],
                        "item": {"id": cid, "identifier": ident},
                        "itemDescription": desc,
                        "description": desc,
                        "quantity": -qty,
                        "cost": cost,
                        "itemCost": cost,
                        "itemPrice": price,
                        "total": -money(qty * cost),
                        "lineNumber": line["lineNumber"],
                        "taxable": taxed,
                        "itemTypeXref": TYPES[tid][2],
                    }
                )
            part_freight = freight if part == 0 else 0.0
            if part_freight:
                details.append(
                    {
                        "id": next(ctx.gl_ids),
                        "glTypeId": "PF",
                        "glItemId": "",
                        "accountNumber": GL_NAME[190],
                        "description": "Freight",
                        "quantity": -1,
                        "cost": part_freight,
                        "total": -part_freight,
                        "lineNumber": 0,
                        "taxable": False,
                        "itemTypeXref": "OtherCharge",
                    }
                )
            taxes = []
            tax_total = money(sub * tax_pct / 100) if taxed else 0.0
            if taxed:
                taxes.append(
                    {
                        "id": next(ctx.gl_ids),
                        "glTypeId": "PT",
                        "glItemId": "",
                        "accountNumber": GL_NAME[191],
                        "itemDescription": "Purchase tax",
                        "quantity": 0,
                        "total": -tax_total,
                        "taxableFlag": True,
                        "taxRate": tax_pct / 100,
                        "taxRatePercent": tax_pct,
                        "taxCode": {"id": tax_id, "name": "FL-HILLS"},
                    }
                )
            total = money(sub + part_freight + tax_total)
            day = po_day + dt.timedelta(days=3 + part * 5)
            rid = 7001 + n
            n += 1
            usd = ref.CURRENCIES["USD"]
            record = {
                "id": rid,
                "unpostedProductId": f"{rid}-purchase",
                "description": "Purchase",
                "locationId": 1,
                "departmentId": 1,
                "procurementType": "Purchase",
                "purchaseOrder": {"id": po_id, "name": po_number},
                "purchaseDate": iso(day),
                "trackingNumber": f"1Z{po_id}{part}",
                "billingTerms": {"id": terms[0], "name": terms[1]},
                "currency": usd,
                "total": total,
                "taxCode": {"id": tax_id, "name": "FL-HILLS"},
                "avalaraTaxFlag": False,
                "itemTaxableFlag": taxed,
                "purchaseOrderTaxableFlag": taxed,
                "taxTotal": tax_total,
                "customer": cref(ctx.company(19)),
                "vendor": cref(vendor),
                "vendorAccountNumber": vendor["accountNumber"],
                "vendorInvoiceNumber": f"INV-{po_id}77",
                "vendorInvoiceDate": iso(day),
                "taxFreightFlag": False,
                "freightTaxTotal": 0.0,
                "freightCost": part_freight,
                "dateClosed": f"{day.isoformat()}T09:00:00Z",
            }
            export = {
                "id": f"PO #{po_number}, Packing Slip: {slip}",
                "documentDate": iso(day),
                "documentNumber": po_number,
                "description": "Purchase",
                "memo": f"{po_number} {slip}",
                "apAccountNumber": GL_NAME[102],
                "purchaseDate": iso(day),
                "company": cref(vendor),
                "companyType": {"id": 2, "name": "Vendor"},
                "purchaseClass": "Tampa HQ",
                "freightAmount": part_freight,
                "packingSlip": slip,
                "dropshipFlag": False,
                "currency": usd,
                "total": total,
                "billingTerms": {"id": terms[0], "name": terms[1]},
                "billingTermsXref": terms[1],
                "dueDays": terms[2],
                "vendorNumber": vendor.get("vendorIdentifier", vendor["identifier"]),
                "vendorAccountNumber": vendor["accountNumber"],
                "vendorInvoiceDate": iso(day),
                "vendorInvoiceNumber": f"INV-{po_id}77",
                "taxCode": {"id": tax_id, "name": "FL-HILLS"},
                "purchaseHeaderTaxableFlag": taxed,
                "purchaseHeaderFreightTaxableFlag": False,
                "taxLevels": [{"taxCodeXref": lv[2], "taxLevel": lv[0]} for lv in levels]
                if taxed
                else [],
                "purchaseDetail": details,
                "purchaseDetailTax": taxes,
            }
            unposted.append({"record": record, "export": export})
    return orders, unposted
