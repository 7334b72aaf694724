"""Totals a bookkeeper can trust (issue 13 §3, spec J9).

QBO computes a document's total itself: sales tax rounded once per invoice (Manage rounds per
line), line amounts rounded to the cent. When QBO's ``TotalAmt`` is not Manage's total, the
Sales tab's option says what happens:

- ``flag`` (the default): the document stays as QBO made it; the transaction is still marked
  in Manage (it IS in QBO) but carries a "needs review" text with both totals, which the
  batch status, the status page and the dashboard show.
- ``adjust``: when the difference is within the tolerance (default 0.05), one non-taxable
  line of the configured item is added for the difference, by a sparse update carrying the
  document's SyncToken, and the total is checked again. A difference over the tolerance is
  never adjusted: it is flagged.

Why an update after creation rather than a predicted line at creation: QBO's tax engine (its
tax agencies, rates and rounding) is QBO's; a prediction that is wrong by a cent would
itself create the difference. The update is exactly-once safe: it names the SyncToken QBO
returned, so a repeat of it is refused as stale, and a resumed run that finds the document
already adjusted sees equal totals and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from cwqbo.quickbooks.errors import QBOError

ADJUST, FLAG = "adjust", "flag"
DEFAULT_TOLERANCE = Decimal("0.05")
MAX_TOLERANCE = Decimal("10.00")
CENT = Decimal("0.01")
# Documents whose lines can take an item (an adjustment line); others are flagged.
SALES_ENTITIES = ("Invoice", "CreditMemo")
SUBTOTAL = "SubTotalLineDetail"
SALES_DETAIL = "SalesItemLineDetail"
US_NON_TAXABLE = "NON"


def parse_tolerance(text: Any) -> Decimal | None:
    """Return the tolerance as an amount of cents, or None when it is not one (0..10.00)."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0 or value > MAX_TOLERANCE:
        return None
    if value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


def amount(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0)).quantize(CENT)


@dataclass
class TotalCheck:
    """What became of one document's total: the document now, a log line, a review flag."""

    doc: dict[str, Any]
    review: str = ""  # empty: QBO's total equals Manage's
    adjusted: str = ""  # the log line of an adjustment that was made


def check_total(
    qbo: Any, settings: Any, entity: str, doc: dict[str, Any], expected: Decimal, key: str
) -> TotalCheck:
    """Compare QBO's total with Manage's; adjust or flag per the configuration."""
    expected = amount(expected)
    total = amount(doc.get("TotalAmt"))
    difference = expected - total
    if difference == 0:
        return TotalCheck(doc)
    mode = getattr(settings, "total_difference", FLAG)
    tolerance = getattr(settings, "tolerance", DEFAULT_TOLERANCE)
    if mode != ADJUST:
        return _flag(doc, total, expected, "the configuration flags differences for review")
    if abs(difference) > tolerance:
        return _flag(
            doc,
            total,
            expected,
            f"the difference is over the {tolerance} tolerance, so it was not adjusted",
        )
    if entity not in SALES_ENTITIES:
        return _flag(doc, total, expected, f"adjustment lines are not added to a {entity}")
    item_id = getattr(settings, "adjustment_item_id", None)
    if not item_id:
        return _flag(doc, total, expected, "no adjustment item is chosen on the Sales tab")
    tax_code = _non_taxable_code(doc, settings)
    if tax_code is None:
        return _flag(
            doc,
            total,
            expected,
            "the adjustment line needs an exempt tax code (Taxes tab) in this company",
        )
    return _adjust(qbo, entity, doc, difference, expected, item_id, tax_code, key)


def _non_taxable_code(doc: dict[str, Any], settings: Any) -> str | None:
    """The tax code that keeps the adjustment line out of sales tax."""
    mode = doc.get("GlobalTaxCalculation")
    if mode and mode != "NotApplicable":  # global model: every line needs a real code
        return getattr(settings, "exempt_tax_code_id", None) or None
    return US_NON_TAXABLE


def _adjust(
    qbo: Any,
    entity: str,
    doc: dict[str, Any],
    difference: Decimal,
    expected: Decimal,
    item_id: str,
    tax_code: str,
    key: str,
) -> TotalCheck:
    lines = [ln for ln in doc.get("Line") or [] if ln.get("DetailType") != SUBTOTAL]
    lines.append(
        {
            "DetailType": SALES_DETAIL,
            "Amount": float(difference),
            "Description": "Rounding adjustment: QuickBooks' total made equal to ConnectWise's",
            SALES_DETAIL: {"ItemRef": {"value": str(item_id)}, "TaxCodeRef": {"value": tax_code}},
        }
    )
    body = {"Id": doc["Id"], "SyncToken": doc.get("SyncToken", "0"), "Line": lines}
    before = amount(doc.get("TotalAmt"))
    try:
        updated = qbo.update(entity, body, f"{key}:{body['SyncToken']}")
    except QBOError as exc:
        # The answer may have been lost after QBO applied it: read the document back.
        try:
            updated = qbo.read(entity, str(doc["Id"]))
        except QBOError:
            updated = doc
        if amount(updated.get("TotalAmt")) != expected:
            return _flag(
                updated, before, expected, f"QuickBooks refused the adjustment line ({exc})"
            )
    now = amount(updated.get("TotalAmt"))
    if now != expected:
        return _flag(
            updated, now, expected, f"an adjustment line of {difference} did not make them equal"
        )
    return TotalCheck(
        updated,
        adjusted=(
            f"Added an adjustment line of {difference} so QuickBooks' total equals "
            f"ConnectWise's {expected} (QuickBooks had computed {before})."
        ),
    )


def _flag(doc: dict[str, Any], total: Decimal, expected: Decimal, why: str) -> TotalCheck:
    return TotalCheck(
        doc,
        review=(
            f"Needs review: QuickBooks' total {total} differs from ConnectWise's {expected} "
            f"by {expected - total}; {why}. Check the document in QuickBooks (tax and line "
            "rounding) and correct it there or in ConnectWise."
        ),
    )


# --- the preview: what QBO is expected to compute, before anything is sent -------------------
def _r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _rates(qbo_ref: Any, code_id: Any) -> list[Decimal] | None:
    code = qbo_ref.get("TaxCode", code_id)
    if code is None:
        return None
    return [amount_or_none(r.get("RateValue")) for r in qbo_ref.sales_rates(code)]


def amount_or_none(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def predict_total(entity: str, body: dict[str, Any] | None, qbo_ref: Any) -> Decimal | None:
    """QBO's total for ``body`` as QBO computes it (tax rounded once per rate and invoice),
    or None where it cannot be told beforehand (QBO picks the tax code, unknown codes)."""
    if entity not in SALES_ENTITIES or not body:
        return None
    subtotal, per_code = Decimal(0), {}
    for line in body.get("Line") or []:
        kind = line.get("DetailType")
        if kind not in (SALES_DETAIL, "DiscountLineDetail"):
            continue
        value = amount_or_none(line.get("Amount"))
        value = -abs(value) if kind == "DiscountLineDetail" else value
        subtotal += value
        code = str(((line.get(kind) or {}).get("TaxCodeRef") or {}).get("value") or "NON")
        per_code[code] = per_code.get(code, Decimal(0)) + value
    if not getattr(qbo_ref, "using_sales_tax", False):
        return subtotal
    if getattr(qbo_ref, "us", False):
        taxable = per_code.get("TAX", Decimal(0))
        code_ref = (body.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef") or {}
        if not taxable:
            return subtotal
        rates = _rates(qbo_ref, code_ref.get("value")) if code_ref.get("value") else None
        if rates is None:
            return None
        return subtotal + sum((_r2(taxable * r / 100) for r in rates), Decimal(0))
    mode = body.get("GlobalTaxCalculation", "TaxExcluded")
    if mode != "TaxExcluded":
        return subtotal if mode in ("TaxInclusive", "NotApplicable") else None
    tax = Decimal(0)
    for code, net in per_code.items():
        rates = _rates(qbo_ref, code)
        if rates is None:
            return None
        tax += sum((_r2(net * r / 100) for r in rates), Decimal(0))
    return subtotal + tax


def preview_note(
    entity: str, body: dict[str, Any] | None, expected: Decimal, qbo_ref: Any, settings: Any
) -> str | None:
    """One sentence for the preview: the difference QBO's total is expected to show, and
    what the configuration will do about it."""
    if entity not in SALES_ENTITIES or not body:
        return None
    mode = getattr(settings, "total_difference", FLAG)
    tolerance = getattr(settings, "tolerance", DEFAULT_TOLERANCE)
    predicted = predict_total(entity, body, qbo_ref)
    if predicted is None:
        then = (
            f"adjusted with a line (up to {tolerance}; more is flagged for review)"
            if mode == ADJUST
            else "flagged for review"
        )
        return (
            "QuickBooks computes the total itself; if it differs from ConnectWise's, "
            f"the {entity_word(entity)} is {then}."
        )
    expected = amount(expected)
    predicted = _r2(predicted)
    if predicted == expected:
        return None
    difference = expected - predicted
    if mode != ADJUST:
        then = "it will be flagged for review (Sales tab: Flag for review)"
    elif abs(difference) > tolerance:
        then = f"it is over the {tolerance} tolerance: it will be flagged, not adjusted"
    else:
        then = f"an adjustment line of {difference} will make it equal ConnectWise's"
    return (
        f"QuickBooks is expected to compute a total of {predicted}, not ConnectWise's "
        f"{expected} (tax is rounded once per invoice there); {then}."
    )


def entity_word(entity: str) -> str:
    return "credit memo" if entity == "CreditMemo" else entity.lower()
