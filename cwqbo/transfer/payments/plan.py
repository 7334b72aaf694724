"""What a Manage invoice should hold, from what QBO says about its invoice (pure functions).

Paid amount = QBO ``TotalAmt - Balance``. In "multiple" mode each QBO payment applied to the
invoice becomes one Manage payment (a credit memo applied through a payment counts as that
payment); whatever QBO counts as paid that no payment explains (a journal entry, a rounding)
becomes one "other" payment. In "single" mode one summed payment per invoice, dated by the
latest application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value: object) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0)).quantize(CENT)


@dataclass(frozen=True)
class Transferred:
    """An invoice cwqbo transferred: its QBO id and the Manage invoice it came from."""

    qbo_id: str
    manage_invoice_id: int
    number: str = ""
    party: str = ""
    currency: str = ""


@dataclass(frozen=True)
class Entry:
    """One Manage payment the invoice should hold."""

    source: str  # "Payment:17", "total" or "other"
    amount: Decimal
    paid_on: date
    qbo_txns: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Link:
    """One Manage payment cwqbo wrote (or is writing or removing), as the store holds it."""

    id: int
    source: str
    amount: Decimal
    paid_on: date
    manage_payment_id: int | None
    state: str
    qbo_txns: tuple[str, ...] = ()


@dataclass
class Wanted:
    """What QBO says about one invoice and the Manage payments that follow from it."""

    paid: Decimal
    total: Decimal
    balance: Decimal
    entries: list[Entry] = field(default_factory=list)
    flag: str = ""  # set: the invoice is left alone and the run says why
    notes: list[str] = field(default_factory=list)
    read: dict = field(default_factory=dict)


def is_voided(invoice: dict) -> bool:
    return str(invoice.get("PrivateNote") or "").startswith("Voided")


def applications(invoice_id: str, payments: dict[str, dict]) -> list[tuple[dict, Decimal, str]]:
    """Return (payment, amount applied to the invoice, credit memo ids) per linked payment."""
    out = []
    for payment in payments.values():
        if payment.get("status") == "Deleted":
            continue
        applied, credits = ZERO, []
        for line in payment.get("Line") or []:
            links = line.get("LinkedTxn") or []
            if any(
                str(lt.get("TxnId")) == invoice_id and lt.get("TxnType") == "Invoice"
                for lt in links
            ):
                applied += money(line.get("Amount"))
            credits += [str(lt.get("TxnId")) for lt in links if lt.get("TxnType") == "CreditMemo"]
        if applied:
            out.append((payment, applied, ",".join(credits)))
    return out


def wanted(
    invoice: dict | None, payments: dict[str, dict], *, multiple: bool, today: date
) -> Wanted:
    """Return what the Manage invoice should hold for this QBO invoice (None: deleted)."""
    if invoice is None or invoice.get("status") == "Deleted":
        return Wanted(
            ZERO,
            ZERO,
            ZERO,
            flag="The invoice was deleted in QuickBooks; its ConnectWise payments are left as "
            "they are. Check the invoice in both systems.",
        )
    total, balance = money(invoice.get("TotalAmt")), money(invoice.get("Balance"))
    paid = total - balance
    read = {
        "Id": invoice.get("Id"),
        "DocNumber": invoice.get("DocNumber"),
        "TotalAmt": str(total),
        "Balance": str(balance),
        "LinkedTxn": [
            f"{lt.get('TxnType')}:{lt.get('TxnId')}" for lt in invoice.get("LinkedTxn") or []
        ],
    }
    if is_voided(invoice):
        return Wanted(
            ZERO,
            total,
            balance,
            read=read,
            flag="The invoice was voided in QuickBooks; its ConnectWise payments are left as "
            "they are. Void or credit it in ConnectWise too.",
        )
    out = Wanted(paid, total, balance, read=read)
    if paid < ZERO:
        out.flag = f"QuickBooks shows a balance ({balance}) above the total ({total}); left alone."
        return out
    apps = applications(str(invoice.get("Id")), payments)
    for payment, _amount, _credits in apps:
        if money(payment.get("UnappliedAmt")) > ZERO:
            out.notes.append(
                f"QuickBooks payment {payment.get('Id')} leaves "
                f"{money(payment.get('UnappliedAmt'))} unapplied (a customer credit): "
                "nothing of it is written to ConnectWise."
            )
    if paid == ZERO:
        return out
    dated = [(_date(p.get("TxnDate"), today), a, p, c) for p, a, c in apps]
    applied = sum((a for _d, a, _p, _c in dated), ZERO)
    last = max((d for d, *_ in dated), default=today)
    txns = tuple(f"Payment:{p.get('Id')}" for *_, p, _c in dated)
    if not multiple or applied > paid:
        out.entries.append(Entry("total", paid, last, txns, f"{len(dated)} application(s)"))
        return out
    for day, amount, payment, credits in sorted(dated, key=lambda x: (x[0], str(x[2].get("Id")))):
        note = f"credit memo {credits}" if credits else f"payment {payment.get('Id')}"
        source = f"Payment:{payment.get('Id')}"
        out.entries.append(Entry(source, amount, day, (source,), note))
    if paid > applied:
        out.entries.append(
            Entry("other", paid - applied, last, txns, "paid in QuickBooks by other means")
        )
    return out


def _date(value: object, default: date) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return default


@dataclass(frozen=True)
class Step:
    op: str  # "create" or "delete"
    entry: Entry | None = None
    link: Link | None = None


def steps(entries: list[Entry], links: list[Link]) -> list[Step]:
    """Return the Manage writes that turn ``links`` into ``entries``: deletes first."""
    by_source = {link.source: link for link in links}
    keep = {
        e.source
        for e in entries
        if e.source in by_source
        and by_source[e.source].amount == e.amount
        and by_source[e.source].paid_on == e.paid_on
    }
    out = [Step("delete", link=link) for link in links if link.source not in keep]
    out += [Step("create", entry=e) for e in entries if e.source not in keep]
    return out
