"""Line amounts, sales tax and totals computed the way QBO does (US and global models)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from . import faults
from .limits import amount as checked_amount

SALES_DETAIL = "SalesItemLineDetail"
EXPENSE_DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
AMOUNT_DETAILS = (SALES_DETAIL, "DiscountLineDetail", *EXPENSE_DETAILS)
CENT = Decimal("0.01")


WIDE = Context(prec=80)  # products of 15-digit numbers still quantize (no InvalidOperation)


def money(value: Any) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError:
        number = Decimal("NaN")
    if not number.is_finite():
        raise faults.Fault(
            "2010", "Request has invalid or unsupported property", f"Invalid number {value!r}"
        )
    return number


def r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=WIDE)


def num(value: Decimal) -> float | int:
    """Render a Decimal the way QBO's JSON does (a number)."""
    return int(value) if value == value.to_integral_value() else float(value)


def compute(company: Any, entity: str, body: dict[str, Any]) -> None:
    """Fill Line ids, TxnTaxDetail, TotalAmt (and Balance-like fields) in place."""
    lines = [ln for ln in body.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
    if entity in ("Invoice", "CreditMemo", "Bill", "Purchase") and not lines:
        raise faults.missing("Line")
    subtotal = Decimal(0)
    for n, line in enumerate(lines, start=1):
        line["Id"] = str(n)
        line["LineNum"] = n
        kind = line.get("DetailType")
        if kind is None:
            raise faults.missing("Line.DetailType")
        if kind == "DescriptionOnly":
            line.setdefault("DescriptionLineDetail", {})
            continue
        if kind not in AMOUNT_DETAILS:
            continue
        if "Amount" not in line:
            raise faults.missing("Line.Amount")
        amount = checked_amount(line["Amount"], f"Line[{n}].Amount")
        detail = line.get(kind) or {}
        line[kind] = detail
        qty, price = detail.get("Qty"), detail.get("UnitPrice")
        if kind == SALES_DETAIL and qty not in (None, "") and price not in (None, ""):
            if abs(r2(money(qty) * money(price)) - amount) >= CENT:
                raise faults.Fault(
                    "6070",
                    "Amount is not equal to UnitPrice * Qty",
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                )
        line["Amount"] = num(amount)
        subtotal += -abs(amount) if kind == "DiscountLineDetail" else amount
    if entity in ("Invoice", "CreditMemo"):
        lines.append(
            {"Amount": num(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
        )
    body["Line"] = lines
    tax, inclusive = _tax(company, entity, body, lines)
    total = subtotal if inclusive else subtotal + tax
    checked_amount(total, "TotalAmt")  # thirty lines of 14 digits still overflow the total
    body["TotalAmt"] = num(total)
    if entity == "Invoice" and total < 0:
        raise faults.business("Invoice amount cannot be negative. Use a credit memo instead.")


def _tax(
    company: Any, entity: str, body: dict[str, Any], lines: list[dict]
) -> tuple[Decimal, bool]:
    prefs = company.prefs.get("TaxPrefs", {})
    if not prefs.get("UsingSalesTax", False):
        body.pop("TxnTaxDetail", None)
        return Decimal(0), False
    if company.us:
        return _us_tax(company, entity, body, lines, prefs), False
    return _global_tax(company, entity, body, lines)


def _rates(company: Any, code: dict[str, Any], purchase: bool) -> list[tuple[str, Decimal]]:
    key = "PurchaseTaxRateList" if purchase else "SalesTaxRateList"
    out = []
    for d in (code.get(key) or {}).get("TaxRateDetail", []):
        rate_id = str(d["TaxRateRef"]["value"])
        rate = company.get("TaxRate", rate_id)
        out.append((rate_id, money(rate.get("RateValue", 0)) if rate else Decimal(0)))
    return out


def _tax_lines(pairs: dict[str, tuple[Decimal, Decimal]]) -> tuple[list[dict], Decimal]:
    lines, total = [], Decimal(0)
    for rate_id, (pct, net) in pairs.items():
        amount = r2(net * pct / 100)
        total += amount
        lines.append(
            {
                "Amount": num(amount),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id},
                    "PercentBased": True,
                    "TaxPercent": num(pct),
                    "NetAmountTaxable": num(r2(net)),
                },
            }
        )
    return lines, total


def _us_tax(company, entity, body, lines, prefs) -> Decimal:
    if entity not in ("Invoice", "CreditMemo"):
        body.pop("TxnTaxDetail", None)
        return Decimal(0)
    taxable = sum(
        (
            money(ln["Amount"])
            for ln in lines
            if ln.get("DetailType") == SALES_DETAIL
            and str((ln[SALES_DETAIL].get("TaxCodeRef") or {}).get("value", "NON")).upper() == "TAX"
        ),
        Decimal(0),
    )
    detail = body.get("TxnTaxDetail") or {}
    code_ref = detail.get("TxnTaxCodeRef") or (prefs.get("TaxGroupCodeRef") if taxable else None)
    if not code_ref:
        body["TxnTaxDetail"] = {"TotalTax": 0}
        return Decimal(0)
    code = company.get("TaxCode", str(code_ref["value"]))
    if code is None:
        raise faults.invalid_ref("TaxCode", str(code_ref["value"]), "TxnTaxCodeRef")
    pairs = {rid: (pct, taxable) for rid, pct in _rates(company, code, purchase=False)}
    tax_lines, total = _tax_lines(pairs)
    body["TxnTaxDetail"] = {
        "TxnTaxCodeRef": {"value": code["Id"]},
        "TotalTax": num(total),
        "TaxLine": tax_lines,
    }
    return total


def _global_tax(company, entity, body, lines) -> tuple[Decimal, bool]:
    mode = body.setdefault("GlobalTaxCalculation", "TaxExcluded")
    if mode == "NotApplicable":
        body["TxnTaxDetail"] = {"TotalTax": 0}
        return Decimal(0), False
    inclusive = mode == "TaxInclusive"
    purchase = entity in ("Bill", "Purchase")
    pairs: dict[str, tuple[Decimal, Decimal]] = {}
    for ln in lines:
        kind = ln.get("DetailType")
        if kind not in (SALES_DETAIL, *EXPENSE_DETAILS):
            continue
        ref = ln[kind].get("TaxCodeRef")
        if not ref or not ref.get("value"):
            raise faults.business(
                "Make sure all your transactions have a tax code before you save."
            )
        code = company.get("TaxCode", str(ref["value"]))
        if code is None:
            raise faults.invalid_ref("TaxCode", str(ref["value"]), "TaxCodeRef")
        rates = _rates(company, code, purchase)
        gross = money(ln["Amount"])
        net = gross / (1 + sum(p for _r, p in rates) / 100) if inclusive else gross
        for rate_id, pct in rates:
            old = pairs.get(rate_id, (pct, Decimal(0)))
            pairs[rate_id] = (pct, old[1] + net)
    tax_lines, total = _tax_lines(pairs)
    body["TxnTaxDetail"] = {"TotalTax": num(total), "TaxLine": tax_lines}
    return total, inclusive
