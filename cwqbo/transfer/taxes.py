"""Sales tax: the QBO tax code of an invoice and of each line (US and global models).

QBO computes the tax from the codes; Manage's ST lines are never sent. So the only way to
land on Manage's tax is to pick a QBO code whose rates are Manage's levels (seed 000, Tax
Codes), and that is what is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cwqbo.transfer import assumptions as A
from cwqbo.transfer import names as N
from cwqbo.transfer import problems as P
from cwqbo.transfer.context import Context, dec
from cwqbo.transfer.problems import Problem

PSEUDO_CODES = ("TAX", "NON")  # the US line codes, not real tax codes
TOLERANCE = Decimal(A.RATE_TOLERANCE)


@dataclass(frozen=True)
class Level:
    """One Manage tax level with a Tax Code Xref."""

    level: int
    xref: str
    rate: Decimal | None  # decimal fraction as Manage writes it (0.06); None = unknown


def _key(text: object) -> str:
    return N.clean(text).casefold()


def pct(value: Decimal) -> str:
    """Render a percentage without trailing zeros."""
    # Manage rates arrive as floats (0.09975 may read 0.09974999...): show 4 places at most.
    return f"{value.quantize(Decimal('0.0001')).normalize():f}"


def manage_levels(ctx: Context) -> list[Level]:
    """Return the Manage tax levels of the invoice's tax code, with rates where known."""
    code_id = str((ctx.tx.get("taxCode") or {}).get("id"))
    customer = ctx.customer or {}
    customer_code = (customer.get("taxCode") or {}).get("id")
    # The customer's levels describe the invoice's code only if it is the same code.
    same = customer_code is None or str(customer_code) == code_id
    by_level = {
        int(lv.get("taxLevel") or 0): dec(lv["taxRate"])
        for lv in (customer.get("taxLevels") or [] if same else [])
        if lv.get("taxRate") is not None
    }
    by_xref = {
        _key(ln.get("taxCodeXref")): dec(ln["taxRate"])
        for ln in ctx.tx.get("detail") or []
        if ln.get("glTypeId") in A.NOT_LINES and ln.get("taxRate") is not None
    }
    levels = ctx.tx.get("taxLevels") or (customer.get("taxLevels") if same else None) or []
    out = []
    for lv in sorted(levels, key=lambda lv: int(lv.get("taxLevel") or 0)):
        xref = N.clean(lv.get("taxCodeXref"))
        if not xref:  # unused levels leave the xref blank (seed 000)
            continue
        number = int(lv.get("taxLevel") or 0)
        rate = by_level.get(number, by_xref.get(xref.casefold()))
        out.append(Level(number, xref, rate))
    return out


def describe(levels: list[Level]) -> str:
    """List Manage levels for a problem message."""
    parts = [
        f'level {lv.level} "{lv.xref}"'
        + (f" {pct(lv.rate * 100)} %" if lv.rate is not None else "")
        for lv in levels
    ]
    return ", ".join(parts) or "no levels with a Tax Code Xref"


def differences(ctx: Context, levels: list[Level], code: dict) -> list[str]:
    """Explain how the Manage levels differ from a QBO tax code's sales rates."""
    rates = ctx.qbo.sales_rates(code)
    by_name = {_key(r.get("Name")): r for r in rates}
    out = []
    if len(levels) != len(rates):
        out.append(f"Manage has {len(levels)} level(s), QBO has {len(rates)} rate(s)")
    for lv in levels:
        rate = by_name.get(lv.xref.casefold())
        if rate is None:
            out.append(f'Manage level {lv.level} "{lv.xref}" is not a rate of the QBO code')
            continue
        qbo_pct = dec(rate.get("RateValue"))
        if lv.rate is not None and abs(lv.rate * 100 - qbo_pct) > TOLERANCE:
            out.append(
                f'level {lv.level} "{lv.xref}" is {pct(lv.rate * 100)} % in Manage but '
                f"{pct(qbo_pct)} % in QBO"
            )
    names = {lv.xref.casefold() for lv in levels}
    for rate in rates:
        if _key(rate.get("Name")) not in names:
            out.append(
                f'QBO rate "{rate.get("Name")}" ({pct(dec(rate.get("RateValue")))} %) '
                "is not a Manage level"
            )
    return out


def invoice_code(ctx: Context, *, report: bool = True) -> str | None:
    """Return the QBO TaxCode id for the invoice's Manage tax code (computed once)."""
    if "tax_code" not in ctx.memo:
        found: list[Problem] = []
        ctx.memo["tax_code"] = (_resolve(ctx, found), found)
    code_id, found = ctx.memo["tax_code"]
    if report:
        for problem in found:
            ctx.problem(problem.message, problem.fix, problem.where)
    return code_id


def _resolve(ctx: Context, out: list[Problem]) -> str | None:
    code = ctx.tx.get("taxCode") or {}
    ident = N.clean(code.get("name") or code.get("identifier"))
    if not code:
        out.append(
            Problem(
                f"Invoice {ctx.number} has taxable lines but no tax code in Manage.",
                "Give the invoice (or its company) a tax code in Manage.",
                P.MANAGE_INVOICE,
            )
        )
        return None
    mapped = ctx.settings.tax_mappings.get(str(code.get("id")))
    if mapped:  # an explicit mapping overrides everything (seed 000, Tax Codes)
        row = ctx.qbo.get("TaxCode", mapped)
        if row is None or row.get("Active") is False:
            out.append(
                Problem(
                    f'Manage tax code "{ident}" is mapped to QBO tax code id {mapped}, which '
                    "does not exist or is inactive.",
                    "Map the Manage tax code to an active QBO tax code.",
                    P.CWQBO_TAXES,
                )
            )
            return None
        return str(row["Id"])
    levels = manage_levels(ctx)
    codes = [
        c
        for c in ctx.qbo.rows("TaxCode")
        if c.get("Active") is not False and str(c.get("Id")).upper() not in PSEUDO_CODES
    ]
    xrefs = {lv.xref.casefold() for lv in levels}
    named = [c for c in codes if _key(c.get("Name")) == ident.casefold()]
    by_rates = [
        c for c in codes if xrefs and {_key(r.get("Name")) for r in ctx.qbo.sales_rates(c)} == xrefs
    ]
    candidates = named or by_rates
    if not candidates:
        out.append(
            Problem(
                f'Manage tax code "{ident}" ({describe(levels)}) has no matching QBO tax code.',
                'Map it on the Taxes tab, or set each level\'s "Tax Code Xref" in Manage to the '
                "name of the QBO tax rate (a single rate: Tax Code Xref and Agency Xref = the "
                "rate name). cwqbo never creates tax codes.",
                P.either(f'{P.MANAGE_TAX} ("Tax Code Xref")', P.CWQBO_TAXES),
            )
        )
        return None
    for candidate in candidates:
        if not differences(ctx, levels, candidate):
            return str(candidate["Id"])
    first = candidates[0]
    out.append(
        Problem(
            f'Manage tax code "{ident}" and QBO tax code "{first.get("Name")}" have different '
            f"levels: {'; '.join(differences(ctx, levels, first))}.",
            "Make each Manage level's \"Tax Code Xref\" the name of one of the QBO code's rates "
            "and the rates equal (Manage 0.06 = QBO 6 %), or map the code explicitly.",
            P.either(P.MANAGE_TAX, P.CWQBO_TAXES),
        )
    )
    return None


def exempt_code(ctx: Context) -> str | None:
    """Return the TaxCode id for non-taxable lines outside the US, or record why not."""
    chosen = ctx.settings.exempt_tax_code_id
    if chosen:
        row = ctx.qbo.get("TaxCode", chosen)
        if row is None or row.get("Active") is False:
            ctx.problem(
                f"The exempt sales tax code (QBO tax code id {chosen}) does not exist or is "
                "inactive in QBO.",
                "Choose the exempt sales tax code again.",
                P.CWQBO_TAXES,
            )
            return None
        return str(chosen)
    own = invoice_code(ctx, report=False)
    row = ctx.qbo.get("TaxCode", own)
    if row is not None and all(dec(r.get("RateValue")) == 0 for r in ctx.qbo.sales_rates(row)):
        return own  # the invoice's own code taxes nothing (an exempt customer)
    ctx.problem(
        f"Invoice {ctx.number} has non-taxable lines, but no exempt sales tax code is chosen.",
        "Choose the Exempt sales tax code: outside the US QBO needs a tax code on every line.",
        P.CWQBO_TAXES,
    )
    return None


def line_code(ctx: Context, line: dict) -> str | None:
    """Return a line's TaxCodeRef value: TAX/NON in the US, a TaxCode id elsewhere."""
    if not ctx.qbo.using_sales_tax:
        return None
    taxable = bool(line.get("taxableFlag"))
    if ctx.qbo.us:
        return "TAX" if taxable else "NON"
    item = line.get("item") or {}
    identifier = N.clean(item.get("identifier") or line.get("glItemId")).casefold()
    if identifier and identifier in ctx.settings.exempt_items:
        return exempt_code(ctx)
    return invoice_code(ctx) if taxable else exempt_code(ctx)


def code_label(ctx: Context, value: str | None) -> str:
    """Return a readable name of a TaxCodeRef value for the preview."""
    if value is None or value in PSEUDO_CODES:
        return value or ""
    row = ctx.qbo.get("TaxCode", value)
    return str(row.get("Name")) if row else value


def check_sales_tax_on(ctx: Context) -> None:
    """Record a problem when Manage charged tax but QBO has sales tax turned off."""
    tax = sum(
        (
            dec(ln.get("total"))
            for ln in ctx.tx.get("detail") or []
            if ln.get("glTypeId") in A.NOT_LINES
        ),
        Decimal(0),
    )
    if not ctx.qbo.using_sales_tax and tax:
        ctx.problem(
            f"Invoice {ctx.number} charges sales tax, but sales tax is turned off in QBO.",
            "Set up sales tax in QBO so it can compute the tax from the tax codes.",
            P.QBO_TAX,
        )
