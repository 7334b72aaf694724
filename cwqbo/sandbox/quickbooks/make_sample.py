"""Write cwqbo/sandbox/data/quickbooks_sample.json from the Manage sample's accounting names.

Run: ``python -m cwqbo.sandbox.quickbooks.make_sample``. Accounts, tax codes and terms are
named exactly as the Manage sample's GL accounts, tax codes and billing terms.
"""

from __future__ import annotations

import json
from pathlib import Path

from cwqbo.sandbox.connectwise.sample_reference import BILLING_TERMS, GL_ACCOUNTS, TAX_CODES

OUT = Path(__file__).resolve().parent.parent / "data" / "quickbooks_sample.json"
US_REALM, CA_REALM = "9341453000000001", "9341453000000002"

ACCOUNT_TYPE = {
    "AR": ("Accounts Receivable", "AccountsReceivable"),
    "AP": ("Accounts Payable", "AccountsPayable"),
    "R": ("Income", "ServiceFeeIncome"),
    "RA": ("Income", "ServiceFeeIncome"),
    "RP": ("Income", "SalesOfProductIncome"),
    "RE": ("Income", "OtherPrimaryIncome"),
    "SD": ("Income", "DiscountsRefundsGiven"),
    "RD": ("Other Current Liability", "OtherCurrentLiabilities"),
    "ST": ("Other Current Liability", "SalesTaxPayable"),
    "EO": ("Other Current Liability", "OtherCurrentLiabilities"),
    "P": ("Cost of Goods Sold", "SuppliesMaterialsCogs"),
    "PF": ("Cost of Goods Sold", "ShippingFreightDeliveryCos"),
    "EE": ("Expense", "Travel"),
    "EI": ("Expense", "OfficeGeneralAdministrativeExpenses"),
    "ET": ("Expense", "TaxesPaid"),
    "PT": ("Expense", "TaxesPaid"),
    "FT": ("Expense", "TaxesPaid"),
}
CLASSIFICATION = {
    "Income": "Revenue",
    "Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Bank": "Asset",
    "Accounts Receivable": "Asset",
    "Other Current Asset": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
}
EXTRA_ACCOUNTS = [
    ("Checking", "Bank", "Checking"),
    ("Petty Cash", "Bank", "CashOnHand"),
    ("Company Visa", "Credit Card", "CreditCard"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
]


def accounts(currency: str) -> tuple[list[dict], dict[str, str]]:
    rows: list[dict] = []
    ids: dict[str, str] = {}

    def add(fqn: str, acct_type: str, sub: str) -> None:
        if fqn in ids:
            return
        parent, _, name = fqn.rpartition(":")
        if parent:
            add(parent, acct_type, sub)
        ids[fqn] = str(len(ids) + 1)
        row = {
            "Id": ids[fqn],
            "Name": name,
            "AccountType": acct_type,
            "AccountSubType": sub,
            "Classification": CLASSIFICATION[acct_type],
            "CurrencyRef": {"value": currency},
        }
        if parent:
            row["ParentRef"] = {"value": ids[parent]}
        rows.append(row)

    # Special-rule account: the "Inventory Asset" GL account is an asset, not COGS.
    for _id, name, gl_type, _t, _r in GL_ACCOUNTS:
        acct_type, sub = ACCOUNT_TYPE[gl_type]
        if name == "Inventory Asset":
            acct_type, sub = "Other Current Asset", "Inventory"
        add(name, acct_type, sub)
    for name, acct_type, sub in EXTRA_ACCOUNTS:
        add(name, acct_type, sub)
    return rows, ids


def taxes(codes: list[str], start: int) -> tuple[list[dict], list[dict]]:
    rates: dict[str, dict] = {}
    out_codes = []
    for n, ident in enumerate(codes):
        _id, desc, levels = TAX_CODES[ident]
        refs = []
        for _lv, _cap, xref, agency, pct in levels:
            if xref not in rates:
                rates[xref] = {
                    "Id": str(start + len(rates)),
                    "Name": xref,
                    "RateValue": pct,
                    "Description": f"{xref} ({agency or 'no agency'})",
                    "AgencyRef": {"value": "1"},
                    "SpecialTaxType": "NONE",
                    "DisplayType": "ReadOnly",
                    "Active": True,
                }
            refs.append(
                {
                    "TaxRateRef": {"value": rates[xref]["Id"], "name": xref},
                    "TaxTypeApplicable": "TaxOnAmount",
                    "TaxOrder": 0,
                }
            )
        out_codes.append(
            {
                "Id": str(start + 50 + n),
                "Name": ident,
                "Description": desc,
                "Active": True,
                "Taxable": True,
                "TaxGroup": True,
                "TaxCodeConfigType": "USER_DEFINED",
                "SalesTaxRateList": {"TaxRateDetail": refs},
                "PurchaseTaxRateList": {"TaxRateDetail": refs},
            }
        )
    return list(rates.values()), out_codes


def preferences(currency: str, us: bool) -> dict:
    return {
        "AccountingInfoPrefs": {
            "ClassTrackingPerTxn": True,
            "ClassTrackingPerTxnLine": False,
            "TrackDepartments": True,
            "DepartmentTerminology": "Location",
            "CustomerTerminology": "Customers",
        },
        "CurrencyPrefs": {"MultiCurrencyEnabled": not us, "HomeCurrency": {"value": currency}},
        "SalesFormsPrefs": {
            "CustomTxnNumbers": True,
            "ETransactionPaymentEnabled": True,
            "AllowShipping": False,
            "DefaultTerms": {"value": "1"},
        },
        "TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
        "VendorAndPurchasesPrefs": {
            "BillableExpenseTracking": True,
            "TrackingByCustomer": True,
            "DefaultTerms": {"value": "1"},
        },
        "ProductAndServicesPrefs": {
            "ForSales": True,
            "ForPurchase": True,
            "QuantityOnHand": True,
            "QuantityWithPriceAndRate": True,
        },
        "OtherPrefs": {
            "NameValue": [
                {"Name": "WarnDuplicateBillNumber", "Value": "true"},
                {"Name": "WarnDuplicateCheckNumber", "Value": "true"},
                {"Name": "VendorAndPurchasesPrefs.UseCustomTxnNumbers", "Value": "true"},
            ]
        },
    }


def company_info(name: str, country: str, city: str, region: str) -> dict:
    addr = {
        "Line1": "100 Sample Way",
        "City": city,
        "CountrySubDivisionCode": region,
        "Country": country,
        "PostalCode": "33602" if country == "US" else "H2X 1Y4",
    }
    return {
        "CompanyName": name,
        "LegalName": f"{name} LLC",
        "Country": country,
        "CompanyAddr": addr,
        "LegalAddr": addr,
        "FiscalYearStartMonth": "January",
        "SupportedLanguages": "en",
        "Email": {"Address": "books@demo-msp.example"},
        "NameValue": [
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
            {"Name": "SubscriptionStatus", "Value": "PAID"},
            {"Name": "ItemCategoriesFeature", "Value": "true"},
        ],
    }


def realm(country: str, currency: str, codes: list[str], locations: list[str], extra: dict):
    accts, ids = accounts(currency)
    rates, tax_codes = taxes(codes, 1)
    if country == "US":
        tax_codes = [
            {
                "Id": "TAX",
                "Name": "TAX",
                "Description": "TAX",
                "Taxable": True,
                "TaxGroup": False,
                "Active": True,
            },
            {
                "Id": "NON",
                "Name": "NON",
                "Description": "NON",
                "Taxable": False,
                "TaxGroup": False,
                "Active": True,
            },
            *tax_codes,
        ]
    terms = [
        {"Id": str(i), "Name": n, "DueDays": d, "Active": True} for i, n, d, _f in BILLING_TERMS
    ]
    ents = {
        "Account": accts,
        "TaxRate": rates,
        "TaxCode": tax_codes,
        "Term": terms,
        "Class": [
            {"Id": "1", "Name": "Managed Services"},
            {"Id": "2", "Name": "Professional Services"},
        ],
        "Department": [{"Id": str(i + 1), "Name": n} for i, n in enumerate(locations)],
        "Item": [
            {
                "Id": "1",
                "Name": "Managed Services",
                "Type": "Service",
                "IncomeAccountRef": {"value": ids["Income:Agreements:Managed Services"]},
            },
            {
                "Id": "2",
                "Name": "Labor",
                "Type": "Service",
                "IncomeAccountRef": {"value": ids["Income:Products:Services"]},
            },
            {
                "Id": "3",
                "Name": "Down Payment",
                "Type": "Service",
                "IncomeAccountRef": {"value": ids["Deferred Revenue:Down Payments"]},
            },
            {"Id": "4", "Name": "Hardware", "Type": "Category"},
        ],
    }
    for key, rows in extra.items():
        ents[key] = rows(ids) if callable(rows) else rows
    return ents


def build() -> dict:
    us_extra = {
        "Customer": [
            {
                "Id": "1",
                "DisplayName": "Contoso Ltd",
                "CompanyName": "Contoso Ltd",
                "SalesTermRef": {"value": "1"},
                "PrimaryEmailAddr": {"Address": "ap@contoso.example"},
            },
            {
                "Id": "2",
                "DisplayName": "Fabrikam, Inc.",
                "CompanyName": "Fabrikam, Inc.",
                "SalesTermRef": {"value": "5"},
            },
            {"Id": "3", "DisplayName": "Old Client LLC", "Active": False},
        ],
        "Vendor": [
            {
                "Id": "20",
                "DisplayName": "Ingram Micro",
                "CompanyName": "Ingram Micro",
                "TermRef": {"value": "1"},
            },
            {"Id": "21", "DisplayName": "TechDist Inc", "TermRef": {"value": "3"}},
            {"Id": "22", "DisplayName": "Pax8"},
            # Same name as a Manage client: creating it as a customer fails with 6240.
            {"Id": "23", "DisplayName": "Northwind Traders", "CompanyName": "Northwind Traders"},
        ],
        "Employee": [
            {"Id": "40", "DisplayName": "Jane Doe", "GivenName": "Jane", "FamilyName": "Doe"}
        ],
        "Invoice": [
            {
                "Id": "100",
                "DocNumber": "CW0999",
                "TxnDate": "2025-05-01",
                "CustomerRef": {"value": "1"},
                "SalesTermRef": {"value": "1"},
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 500.0,
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": "1"},
                            "Qty": 1,
                            "UnitPrice": 500.0,
                            "TaxCodeRef": {"value": "NON"},
                        },
                    }
                ],
            }
        ],
        "Payment": lambda ids: [
            {
                "Id": "110",
                "CustomerRef": {"value": "1"},
                "TotalAmt": 200.0,
                "TxnDate": "2025-05-20",
                "PaymentRefNum": "CHK 1042",
                "DepositToAccountRef": {"value": ids["Undeposited Funds"]},
                "Line": [{"Amount": 200.0, "LinkedTxn": [{"TxnId": "100", "TxnType": "Invoice"}]}],
            }
        ],
    }
    ca_extra = {
        "Customer": [
            {
                "Id": "1",
                "DisplayName": "Laurentide Inc.",
                "CompanyName": "Laurentide Inc.",
                "CurrencyRef": {"value": "CAD"},
            }
        ],
        "Vendor": [
            {"Id": "20", "DisplayName": "Ingram Micro Canada", "CurrencyRef": {"value": "CAD"}}
        ],
    }
    us_codes = ["EXEMPT", "FL-HILLS", "CO-DENVER", "TX"]
    return {
        "_format": "cwqbo QBO sandbox dataset v1 (see QUICKBOOKS_DATASET.md)",
        "clients": [
            {
                "client_id": "cwqbo-local",
                "client_secret": "cwqbo-local-secret",
                "redirect_uris": ["*"],
            }
        ],
        "realms": {
            US_REALM: {
                "CompanyInfo": company_info("cwqbo Demo MSP", "US", "Tampa", "FL"),
                "Preferences": preferences("USD", True),
                "entities": realm("US", "USD", us_codes, ["Tampa HQ", "Denver Branch"], us_extra),
            },
            CA_REALM: {
                "CompanyInfo": company_info("cwqbo Demo MSP Canada", "CA", "Montréal", "QC"),
                "Preferences": preferences("CAD", False),
                "entities": realm(
                    "CA", "CAD", ["EXEMPT", "QC-GST-QST"], ["Montréal Office"], ca_extra
                ),
            },
        },
    }


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
