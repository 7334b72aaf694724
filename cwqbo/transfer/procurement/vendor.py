"""The QBO vendor of an item receipt: the Manage company flagged vendor (seed "Vendors")."""

from __future__ import annotations

from cwqbo.transfer import limits as L
from cwqbo.transfer import names as N
from cwqbo.transfer import pairing
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context
from cwqbo.wording import quoted

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


def vendor_party(doc: dict, vendor_row: dict | None) -> pairing.Party:
    """Return the receipt's Manage vendor company as a pairing party."""
    company = _as_customer(doc, vendor_row)["company"]
    plain = vendor_name(doc, vendor_row, False)
    appended = vendor_name(doc, vendor_row, True)
    return pairing.Party(
        pairing.VENDOR,
        str(company.get("id") or ""),
        f"Manage vendor company {quoted(plain)} (id {company.get('id')})",
        plain,
        appended if appended != plain else "",
    )


def vendor(ctx: Context, currency: str, foreign_ok: bool) -> str:
    """Return the QBO vendor DisplayName, asking for it to be created when missing.

    Which vendor: pairing.match (paired → same name → appended name → create).
    """
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
    found = pairing.match(
        ctx, "Vendor", vendor_party(ctx.tx, ctx.customer), name, "the vendor company"
    )
    if found is None:
        return name
    ctx.memo["match"] = found
    name, row = found.name, found.row
    if row is not None:
        held = str((row.get("CurrencyRef") or {}).get("value") or ctx.qbo.home_currency).upper()
        if held != currency:
            ctx.problem(
                f'QBO vendor "{name}" uses {held}, but {ctx.noun.lower()} {ctx.number} is in '
                f"{currency}.",
                "QBO cannot change a vendor's currency: order from the vendor in "
                f"{held} in Manage, or rename the QBO vendor so cwqbo creates a {currency} one.",
                P.either(P.QBO_VENDORS, P.MANAGE_COMPANY),
            )
        return name
    company_id = str((ctx.tx.get("company") or {}).get("id") or name)
    if not ctx.vendor_name_free(
        name, f"Manage company {company_id}", "the vendor company", P.MANAGE_COMPANY
    ):
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
