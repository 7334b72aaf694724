"""The QBO vendor of an item receipt: the Manage company flagged vendor (seed "Vendors")."""

from __future__ import annotations

from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context

QBO_VENDORS = "QBO › Expenses › Vendors"
MANAGE_VENDOR = "Manage › Companies › Company › Finance (Vendor XRef)"


def vendor_name(doc: dict, vendor_row: dict | None, append_account_name: bool) -> str:
    """Return the QBO DisplayName of a receipt's vendor (the customer naming rule)."""
    return N.customer_display_name(doc, _as_customer(doc, vendor_row), append_account_name)


def _as_customer(doc: dict, vendor_row: dict | None) -> dict:
    # GLExportVendor names the company under "vendor"/"company"; its account number is the
    # vendor's Manage company finance Account, as for customers.
    row = vendor_row or {}
    company = row.get("company") or row.get("vendor") or doc.get("company") or {}
    account = row.get("accountNumber") or doc.get("vendorAccountNumber") or ""
    return {"company": company, "accountNumber": account}


def vendor_xref(doc: dict, vendor_row: dict | None) -> str:
    """Return the Manage Vendor XRef, which the seed matches with the QBO vendor's Company."""
    row = vendor_row or {}
    return N.clean(row.get("vendorNumber") or doc.get("vendorNumber") or "")


def vendor(ctx: Context, currency: str, foreign_ok: bool) -> str:
    """Return the QBO vendor DisplayName, asking for it to be created when missing."""
    name = vendor_name(ctx.tx, ctx.customer, ctx.settings.append_account_name)
    if not name:
        ctx.problem(
            f"{ctx.noun} {ctx.number} has no vendor company name.",
            "Give the purchase order's vendor company a name in Manage.",
            P.MANAGE_COMPANY,
        )
        return name
    if not L.check_name(
        ctx,
        name,
        L.DISPLAY_NAME_MAX,
        "Vendor name",
        "Shorten the vendor company name (or account number) in Manage.",
        P.MANAGE_COMPANY,
    ):
        return name
    row = ctx.qbo.find("Vendor", name)
    if row is not None:
        held = str((row.get("CurrencyRef") or {}).get("value") or ctx.qbo.home_currency).upper()
        if held != currency:
            ctx.problem(
                f'QBO vendor "{name}" uses {held}, but {ctx.noun.lower()} {ctx.number} is in '
                f"{currency}.",
                "QBO cannot change a vendor's currency: order from the vendor in "
                f"{held} in Manage, or rename the QBO vendor so cwqbo creates a {currency} one.",
                P.either(QBO_VENDORS, P.MANAGE_COMPANY),
            )
        return name
    if ctx.qbo.inactive("Vendor", name):
        ctx.problem(
            f'Vendor "{name}" is inactive in QBO.',
            "Make the vendor active in QBO (an inactive vendor still holds its name).",
            QBO_VENDORS,
        )
        return name
    for other in ("Customer", "Employee"):
        if ctx.qbo.find(other, name) or ctx.qbo.inactive(other, name):
            ctx.problem(
                f'"{name}" is already a QBO {other.lower()}; QBO display names are unique '
                "across customers, vendors and employees (fault 6240).",
                'Turn on "Append account name" so the vendor becomes "<name> (<account>)", or '
                f"rename the {other.lower()} in QBO or the vendor company in Manage.",
                P.either(P.CWQBO_CONTACTS, P.MANAGE_COMPANY),
            )
            return name
    company_id = str((ctx.tx.get("company") or {}).get("id") or name)
    holder = ctx.qbo.claim("Vendor", name, f"company {company_id}")
    if holder != f"company {company_id}":
        ctx.problem(
            f'Two Manage vendor companies would both become QBO vendor "{name}" in this batch.',
            'Turn on "Append account name", or rename one of the companies in Manage.',
            P.either(P.CWQBO_CONTACTS, P.MANAGE_COMPANY),
        )
        return name
    company = vendor_xref(ctx.tx, ctx.customer) or N.no_colon(
        N.company_name(ctx.tx, _as_customer(ctx.tx, ctx.customer))
    )
    if not L.check_name(
        ctx,
        company,
        L.COMPANY_NAME_MAX,
        "Vendor XRef",
        "Shorten the Vendor XRef on the vendor's company finance screen in Manage.",
        MANAGE_VENDOR,
    ):
        return name
    body: dict = {"DisplayName": name, "CompanyName": company}
    if foreign_ok and currency != ctx.qbo.home_currency:
        body["CurrencyRef"] = {"value": currency}
    ctx.need("Vendor", name, body, f'Vendor "{name}"')
    return name
