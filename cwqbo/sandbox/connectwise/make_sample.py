"""Generate cwqbo/sandbox/data/connectwise_sample.json deterministically.

Run: ``python -m cwqbo.sandbox.connectwise.make_sample [output.json]``.
The format is described in cwqbo/sandbox/data/CONNECTWISE_DATASET.md.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from . import sample_documents as docs
from . import sample_reference as ref
from .sample_common import Context

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "connectwise_sample.json"


def _ref(kind: str, id_: int, name: str) -> dict:
    return {"id": id_, "name": name, "_info": {f"{kind}_href": f"/{kind}/{id_}"}}


def build_locations() -> list[dict]:
    return [
        {
            "id": loc["id"],
            "ownerLevelId": 1,
            "name": loc["name"],
            "structureLevel": {"id": 2, "name": "Location"},
            "overrideCity": loc["city"],
            "overrideState": loc["state"],
            "locationFlag": True,
            "clientFlag": False,
        }
        for loc in ref.LOCATIONS
    ]


def build_companies() -> list[dict]:
    terms = {t[0]: t for t in ref.BILLING_TERMS}
    out = []
    for cid, ident, name, kinds, loc, term, tax, cur in ref.COMPANIES:
        tax_id = ref.TAX_CODES[tax][0]
        out.append(
            {
                "id": cid,
                "identifier": ident,
                "name": name,
                "status": {"id": 1, "name": "Active"},
                "addressLine1": f"{100 + cid} Main Street",
                "city": ref.LOCATIONS[loc - 1]["city"],
                "state": ref.LOCATIONS[loc - 1]["state"],
                "country": {
                    "id": 2 if cur == "CAD" else 1,
                    "name": "Canada" if cur == "CAD" else "United States",
                },
                "phoneNumber": f"555{cid:07d}",
                "accountNumber": f"{ident.upper()[:8]}{cid % 100:02d}",
                "vendorIdentifier": f"V-{ident}" if "Vendor" in kinds else None,
                "taxIdentifier": "EXEMPT-501C3" if tax == "EXEMPT" else None,
                "taxCode": {"id": tax_id, "name": tax},
                "billingTerms": {"id": term, "name": terms[term][1]},
                "currency": ref.CURRENCIES[cur],
                "isVendorFlag": "Vendor" in kinds,
                "types": [{"id": ref.COMPANY_TYPE_IDS[k], "name": k} for k in kinds],
                "site": {"id": cid * 10 + 1, "name": "Main"},
                "deletedFlag": False,
                "invoiceToEmailAddress": f"ap@{ident.lower()}.example",
                "_info": {"lastUpdated": "2025-05-01T12:00:00Z"},
            }
        )
    return [{k: v for k, v in c.items() if v is not None} for c in out]


def build_members() -> list[dict]:
    out = []
    for mid, ident, first, last, vendor, loc, inactive in ref.MEMBERS:
        member = {
            "id": mid,
            "identifier": ident,
            "firstName": first,
            "lastName": last,
            "licenseClass": "F",
            "hireDate": "2020-01-06T00:00:00Z",
            "defaultEmail": "Office",
            "defaultPhone": "Office",
            "officeEmail": f"{ident}@demo-msp.example",
            "primaryEmail": f"{ident}@demo-msp.example",
            "securityRole": {"id": 4, "name": "Technician"},
            "inactiveFlag": inactive,
            "defaultLocation": {"id": loc, "name": ref.LOCATIONS[loc - 1]["name"]},
            "type": {"id": 1, "name": "Employee"},
            # Required by pyconnectwise's 2024 Member model; optional in the vendor spec.
            "agreementInvoicingDisplayOptions": "RemainOnInvoicingScreen",
            "invoiceScreenDefaultTabFormat": "ShowInvoicingTab",
            "invoicingDisplayOptions": "RemainOnInvoicingScreen",
        }
        if vendor:
            member["vendorNumber"] = vendor
        out.append(member)
    return out


def build_currencies() -> list[dict]:
    """/finance/currencies rows: the Currency model, whose currencyCode is {id, name}.

    (Records elsewhere carry a CurrencyReference, whose currencyCode is a string.)
    """
    return [
        {
            "id": cur["id"],
            "currencyIdentifier": cur["currencyIdentifier"],
            "name": cur["name"],
            "symbol": cur["symbol"],
            "currencyCode": {"id": cur["id"], "name": code},
            "numberOfDecimals": cur["numberOfDecimals"],
            "decimalSeparator": ".",
            "thousandsSeparator": ",",
            "displaySymbolFlag": True,
            "displayIdFlag": False,
            "rightAlign": False,
            "negativeParenthesesFlag": False,
            "_info": {"lastUpdated": "2025-01-02T00:00:00Z"},
        }
        for code, cur in sorted(ref.CURRENCIES.items(), key=lambda kv: kv[1]["id"])
    ]


def build_gl_accounts() -> list[dict]:
    type_ids = {
        "Location": 1,
        "Work Role": 3,
        "Agreement Type": 4,
        "Product Type": 5,
        "Expense Type": 6,
        "Tax Code": 7,
    }
    return [
        {
            "id": gid,
            "glType": gl_type,
            "mappedType": {"id": type_ids[mtype], "name": mtype},
            "mappedRecord": {"id": gid, "name": record},
            "segment1": name,
            "productId": "",
            "salesCode": "",
        }
        for gid, name, gl_type, mtype, record in ref.GL_ACCOUNTS
    ]


def build_tax_codes() -> list[dict]:
    out = []
    for ident, (tid, desc, levels) in ref.TAX_CODES.items():
        code = {
            "id": tid,
            "identifier": ident,
            "description": desc,
            "invoiceCaption": "Sales Tax",
            "effectiveDate": "2020-01-01T00:00:00Z",
            "defaultFlag": ident == "FL-HILLS",
            "country": {
                "id": 2 if ident.startswith("QC") else 1,
                "name": "Canada" if ident.startswith("QC") else "United States",
            },
            "taxCodeLevels": [],
        }
        for n, (level, caption, xref, agency, pct) in enumerate(levels, start=1):
            word = ref.LEVEL_WORDS[level]
            code.update(
                {
                    f"level{word}Rate": pct,
                    f"level{word}RateType": "Percent",
                    f"level{word}Caption": caption,
                    f"level{word}TaxCodeXref": xref,
                    f"level{word}AgencyXref": agency,
                    f"level{word}ServicesFlag": True,
                    f"level{word}ExpensesFlag": True,
                    f"level{word}ProductsFlag": True,
                }
            )
            code["taxCodeLevels"].append(
                {
                    "id": tid * 10 + n,
                    "taxLevel": level,
                    "taxRate": pct,
                    "rateType": "Percent",
                    "caption": caption,
                    "taxCodeXref": xref,
                    "agencyXref": agency,
                    "taxServicesFlag": True,
                    "taxExpensesFlag": True,
                    "taxProductsFlag": True,
                }
            )
        out.append(code)
    return out


def build_catalog() -> list[dict]:
    types = {t[0]: t for t in ref.PRODUCT_TYPES}
    return [
        {
            "id": cid,
            "identifier": ident,
            "description": desc,
            "customerDescription": desc,
            "type": {"id": tid, "name": types[tid][1]},
            "category": {"id": tid, "name": types[tid][1]},
            "subcategory": {"id": tid, "name": "General"},
            "productClass": pclass,
            "price": price,
            "cost": cost,
            "taxableFlag": taxable,
            "inactiveFlag": False,
            "serializedFlag": False,
            "dropShipFlag": False,
            "unitOfMeasure": {"id": 1, "name": "Each"},
            "vendor": {"id": 6, "identifier": "TechDist", "name": "TechDist Inc"},
            "integrationXRef": types[tid][2],
        }
        for cid, ident, desc, tid, pclass, price, cost, taxable in ref.CATALOG
    ]


def build(seed: int = 20250601) -> dict:
    """Return the whole sample dataset as a JSON-ready dict."""
    rng = random.Random(seed)
    companies = build_companies()
    members = build_members()
    ctx = Context(rng=rng, companies=companies, members=members)
    unposted_invoices, invoices = docs.build_invoices(ctx)
    unposted_expenses = docs.build_expenses(ctx)
    purchase_orders, unposted_procurement = docs.build_procurement(ctx)
    return {
        "format": "cwqbo.connectwise-sample",
        "version": 1,
        "companyInfo": {
            "CompanyName": "cwqbo Demo MSP",
            "Codebase": "v2025_1/",
            "VersionCode": "v2025.1",
            "VersionNumber": "v4.6.12345",
            "CompanyID": "cwqbo",
            "IsCloud": "false",  # a string, as Manage sends it (issue 10 §5)
            "SiteUrl": "127.0.0.1",
        },
        "credentials": {
            "companyId": "cwqbo",
            "publicKey": "sandboxpublic",
            "privateKey": "sandboxprivate",
            # Client ids registered at developer.connectwise.com for this tenant: the demo's
            # (README) and the tests'. Any other answers 400 naming clientId.
            "clientIds": [
                "cwqbo-demo",
                "cwqbo-tests",
                "test-client-id",
                "0f9d1c5e-7a55-4a6e-9a3c-4b1b2d0c1e11",
            ],
        },
        "accountingNames": ref.accounting_names(),
        "currencies": build_currencies(),
        "locations": build_locations(),
        "departments": ref.DEPARTMENTS,
        "companies": companies,
        "members": members,
        "glAccounts": build_gl_accounts(),
        "billingTerms": [
            {"id": i, "name": n, "dueDays": d, "termsXref": n, "defaultFlag": f}
            for i, n, d, f in ref.BILLING_TERMS
        ],
        "taxCodes": build_tax_codes(),
        "productTypes": [
            {"id": i, "name": n, "typeXref": x, "inactiveFlag": False, "defaultFlag": i == 1}
            for i, n, x in ref.PRODUCT_TYPES
        ],
        "catalogItems": build_catalog(),
        "purchaseOrders": purchase_orders,
        "invoices": invoices,
        "invoicePayments": [],
        "unpostedInvoices": unposted_invoices,
        "unpostedExpenses": unposted_expenses,
        "unpostedProcurement": unposted_procurement,
        "batches": [],
    }


def main(argv: list[str] | None = None) -> None:
    """Write the sample dataset to the given path (default: the packaged file)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUTPUT
    out.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
