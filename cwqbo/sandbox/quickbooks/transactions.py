"""Transaction rules of a simulated company: required fields, numbering, terms, payments."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import faults
from .limits import amount, too_long
from .totals import compute, money, num

TXNS = ("Invoice", "CreditMemo", "Bill", "Purchase", "Payment")


class TransactionRules:
    """Mixed into Company: needs ``rows``, ``prefs``, ``pref()``, ``clock`` and ``_bump()``."""

    rows: dict[str, dict[str, dict[str, Any]]]

    def _txn(self, entity: str, row: dict[str, Any], current: dict | None, options: str) -> None:
        need = {
            "Invoice": "CustomerRef",
            "CreditMemo": "CustomerRef",
            "Payment": "CustomerRef",
            "Bill": "VendorRef",
            "Purchase": "AccountRef",
        }[entity]
        if not row.get(need):
            raise faults.missing(need)
        if entity == "Purchase" and not row.get("PaymentType"):
            raise faults.missing("PaymentType")
        today = self.clock().date()
        row.setdefault("TxnDate", today.isoformat())
        row.setdefault(
            "CurrencyRef", self.prefs.get("CurrencyPrefs", {}).get("HomeCurrency", {"value": "USD"})
        )
        if entity == "Payment":
            self._payment_totals(row)
            return
        if (
            entity == "Invoice"
            and not row.get("DocNumber")
            and not self.pref("SalesFormsPrefs.CustomTxnNumbers", False)
        ):
            row["DocNumber"] = str(1000 + sum(1 for _ in self.rows["Invoice"].values()) + 1)
        if row.get("DocNumber"):
            if len(str(row["DocNumber"])) > 21:  # auto numbers are checked here too
                raise too_long("DocNumber", 21, len(str(row["DocNumber"])))
            self._doc_unique(entity, row, current, options)
        if entity == "Invoice" and not row.get("SalesTermRef"):
            customer = self.rows["Customer"].get(str(row["CustomerRef"]["value"]), {})
            default = customer.get("SalesTermRef") or self.pref("SalesFormsPrefs.DefaultTerms")
            if default:
                row["SalesTermRef"] = {
                    "value": str(default["value"] if isinstance(default, dict) else default)
                }
        term_ref = row.get("SalesTermRef")
        if entity in ("Invoice", "Bill") and term_ref and not row.get("DueDate"):
            term = self.rows["Term"][str(term_ref["value"])]
            due = datetime.fromisoformat(row["TxnDate"]) + timedelta(
                days=int(term.get("DueDays") or 0)
            )
            row["DueDate"] = due.date().isoformat()
        if entity in ("Invoice", "Bill"):
            row.setdefault("DueDate", row["TxnDate"])
        compute(self, entity, row)
        paid = self._paid(row["Id"]) if current is not None and entity == "Invoice" else 0
        if entity in ("Invoice", "Bill"):
            row["Balance"] = num(money(row["TotalAmt"]) - money(paid))
        if entity == "CreditMemo":
            row["RemainingCredit"] = row["TotalAmt"]

    def _doc_unique(self, entity: str, row: dict[str, Any], current: dict | None, options: str):
        if "allowduplicatedocnum" in options.lower():
            return
        doc = str(row["DocNumber"]).casefold()
        if entity == "Bill" and not self.pref("WarnDuplicateBillNumber", False):
            return
        if (
            entity == "Purchase"
            and row.get("PaymentType") == "Check"
            and not self.pref("WarnDuplicateCheckNumber", False)
        ):
            return
        for _e, other in self._others((entity,), current):
            if str(other.get("DocNumber", "")).casefold() != doc:
                continue
            if entity == "Bill" and (other.get("VendorRef") or {}).get("value") != row[
                "VendorRef"
            ].get("value"):
                continue
            raise faults.duplicate_doc(row["DocNumber"], entity, other["Id"])

    # --- payments -------------------------------------------------------------------------
    def _payment_totals(self, row: dict[str, Any]) -> None:
        if row.get("TotalAmt") in (None, ""):
            raise faults.missing("TotalAmt")
        applied = Decimal(0)
        for line in row.get("Line") or []:
            if any(lt.get("TxnType") == "CreditMemo" for lt in line.get("LinkedTxn") or []):
                applied -= self._credit_line(row, line)  # a credit memo pays part of it
                continue
            for link in line.get("LinkedTxn") or []:
                inv = self.rows["Invoice"].get(str(link.get("TxnId")))
                if link.get("TxnType") == "Invoice" and inv is None:
                    raise faults.invalid_ref("Invoice", str(link.get("TxnId")), "LinkedTxn")
                if inv and inv["CustomerRef"]["value"] != row["CustomerRef"]["value"]:
                    raise faults.Fault(
                        "620",
                        "Transaction couldn't be linked",
                        "TxnId cannot be linked: different customer",
                    )
            applied += amount(line.get("Amount"), "Line.Amount")
        total = amount(row["TotalAmt"], "TotalAmt")
        if applied > total:
            raise faults.business("The amount applied exceeds the payment total.")
        row["TotalAmt"] = num(total)
        row["UnappliedAmt"] = num(total - applied)

    def _credit_line(self, row: dict[str, Any], line: dict[str, Any]) -> Decimal:
        """Check a payment line that uses a credit memo's credit; return the amount used."""
        used = amount(line.get("Amount"), "Line.Amount")
        for link in line.get("LinkedTxn") or []:
            memo = self.rows["CreditMemo"].get(str(link.get("TxnId")))
            if memo is None:
                raise faults.invalid_ref("CreditMemo", str(link.get("TxnId")), "LinkedTxn")
            if memo["CustomerRef"]["value"] != row["CustomerRef"]["value"]:
                raise faults.Fault(
                    "620",
                    "Transaction couldn't be linked",
                    "TxnId cannot be linked: different customer",
                )
            if used > money(memo.get("RemainingCredit", memo.get("TotalAmt"))):
                raise faults.business(
                    "The credit applied exceeds the credit memo's remaining credit."
                )
        return used

    def _apply_payment(self, payment: dict[str, Any], sign: int, bump: bool = True) -> None:
        for line in payment.get("Line") or []:
            for link in line.get("LinkedTxn") or []:
                memo = self.rows["CreditMemo"].get(str(link.get("TxnId")))
                if memo is not None and link.get("TxnType") == "CreditMemo":
                    left = money(memo.get("RemainingCredit", memo["TotalAmt"]))
                    memo["RemainingCredit"] = num(left - sign * money(line.get("Amount")))
                    if bump:
                        self._bump(memo, memo)
                    continue
                inv = self.rows["Invoice"].get(str(link.get("TxnId")))
                if inv is None or link.get("TxnType") != "Invoice":
                    continue
                inv["Balance"] = num(money(inv["Balance"]) - sign * money(line.get("Amount")))
                links = [
                    lt for lt in inv.get("LinkedTxn", []) if lt.get("TxnId") != payment.get("Id")
                ]
                if sign > 0:
                    links.append({"TxnId": payment.get("Id", "?"), "TxnType": "Payment"})
                inv["LinkedTxn"] = links
                if bump:
                    self._bump(inv, inv)

    def _paid(self, invoice_id: str) -> Decimal:
        paid = Decimal(0)
        for pay in self.rows["Payment"].values():
            for line in pay.get("Line") or []:
                if any(
                    lt.get("TxnId") == invoice_id and lt.get("TxnType") == "Invoice"
                    for lt in line.get("LinkedTxn") or []
                ):
                    paid += money(line.get("Amount"))
        return paid
