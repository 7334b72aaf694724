"""QBO's limits on what cwqbo writes, in one place, each with its source, and their checks.

Every limit here is checked while a transaction is validated, before anything of the batch is
written, so QBO never refuses a document (or a whole batch request) that cwqbo could have
stopped. Nothing is cut to fit: a value over a limit is a problem the user fixes at its source.
Sources: ../shared/reference/quickbooks-online-api.md ("the reference", §6 Limits, §7
Customer/Invoice and its "Length limits recap") and Intuit's XSDs (reference/schemas/qbo/).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from cwqbo.transfer import problems as P

# --- Names (characters) -------------------------------------------------------------------
# Customer DisplayName <= 500 (reference §7 Customer; the XSD gives no QBO length).
DISPLAY_NAME_MAX = 500
# Customer CompanyName <= 100 (reference §7 Customer). cwqbo sends the Manage company name
# there, so a company name over 100 characters cannot become a QBO customer.
COMPANY_NAME_MAX = 100
# Item Name <= 100 (Finance.xsd Item/Name "QBO: Max. length: 100 characters").
ITEM_NAME_MAX = 100
# Term Name <= 31 (reference "Length limits recap").
TERM_NAME_MAX = 31
# Class and Department Name <= 100 (Finance.xsd Class/Name "QBO: 100 characters").
LIST_NAME_MAX = 100
# Invoice/CreditMemo DocNumber <= 21 (Finance.xsd Transaction/DocNumber; reference §5).
DOC_NUMBER_MAX = 21
# Line Description and PrivateNote <= 4000 (reference §7 Invoice).
DESCRIPTION_MAX = 4000

# --- Lines per transaction ----------------------------------------------------------------
# "<= 10,000 lines (<= 750 lines if a US invoice is taxable)" (reference §6 Limits).
LINES_MAX = 10_000
TAXABLE_US_LINES_MAX = 750

# --- Amounts ------------------------------------------------------------------------------
# Line Amount: xs:decimal, "up to 15 digits, 5 decimals ('10.5')" (reference §7 Invoice and
# the recap): at most 10 digits before the point. The same bound is applied to the document
# total (TotalAmt), to Qty and to UnitPrice.
INTEGER_DIGITS = 10
AMOUNT_MAX = Decimal(10) ** INTEGER_DIGITS - Decimal("0.01")
# Amounts are money: cents at most. QBO would round a third decimal into its totals, so the
# QBO total would differ from Manage's without anyone having chosen it.
MONEY_DECIMALS = 2


def number(value: Any) -> Decimal | None:
    """Return a Manage number as a finite Decimal, or None when it is not a number."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


def decimals(value: Decimal) -> int:
    """Return how many decimals a number is written with (trailing zeros do not count)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def amount_problem(value: Any, *, money: bool = True) -> str | None:
    """Say why QBO could not take ``value`` as an amount (or Qty/UnitPrice), or None."""
    parsed = number(value)
    if parsed is None:
        return f"{value!r} is not a number"
    if abs(parsed) > AMOUNT_MAX:
        shown = f"{parsed.normalize():,f}" if parsed.adjusted() <= 33 else f"{parsed:.3E}"
        return (
            f"{shown} is beyond what QBO can hold (at most {AMOUNT_MAX:,}, "
            f"{INTEGER_DIGITS} digits before the decimal point)"
        )
    if money and decimals(parsed) > MONEY_DECIMALS:
        return f"{parsed} has {decimals(parsed)} decimals; amounts are sent in cents (2 decimals)"
    return None


def check_amount(ctx: Any, value: Any, what: str, *, money: bool = True) -> bool:
    """Record a problem when an amount of the invoice cannot go to QBO; return whether it can."""
    why = amount_problem(value, money=money)
    if why is None:
        return True
    ctx.problem(
        f"{ctx.noun} {ctx.number}: {what} {why}.",
        "Correct it on the invoice in Manage (an amount this large or malformed is a data "
        "error; split a genuinely larger invoice), then select the invoice again.",
        P.MANAGE_INVOICE,
    )
    return False


def check_line_count(ctx: Any, count: int, taxable_us: bool, detailed: bool) -> None:
    """Record a problem when the document has more lines than QBO takes on one transaction."""
    limit = TAXABLE_US_LINES_MAX if taxable_us else LINES_MAX
    if count <= limit:
        return
    kind = "a taxable US invoice" if taxable_us else "one transaction"
    fix = "Split the invoice in Manage into invoices of at most {limit} lines"
    if detailed:
        fix = (
            "Choose Summary invoice detail for this batch (lines without a product are merged), "
            "or split the invoice in Manage into invoices of at most {limit} lines"
        )
    ctx.problem(
        f"Invoice {ctx.number} would have {count} lines in QBO; QBO takes at most {limit} "
        f"lines on {kind}.",
        fix.format(limit=limit) + ".",
        P.either(P.CWQBO_BATCH, P.MANAGE_INVOICE) if detailed else P.MANAGE_INVOICE,
    )


def check_name(ctx: Any, name: str, limit: int, field: str, fix: str, where: str) -> bool:
    """Record a problem when a name is longer than QBO's ``limit``; return whether it fits."""
    if len(name) <= limit:
        return True
    shown = name if len(name) <= 80 else name[:77] + "..."
    ctx.problem(
        f'{field} "{shown}" has {len(name)} characters; QBO allows at most {limit}.',
        fix,
        where,
    )
    return False
