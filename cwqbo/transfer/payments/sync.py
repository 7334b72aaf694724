"""One payment-sync run: what changed in QBO → what each Manage invoice should hold → writes.

Takes clients and a store (no Flask, no RQ); the store persists every step as it happens
(cwqbo.batches.payment_store on the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cwqbo.connectwise.errors import ManageError
from cwqbo.transfer.payments import plan
from cwqbo.transfer.payments.reading import Changes, changes_since
from cwqbo.transfer.payments.writing import ManageWriter, Written
from cwqbo.wording import plural

log = logging.getLogger(__name__)

# Per-invoice outcomes, as the run's rows name them.
SYNCED, IN_STEP, FLAGGED, FAILED = "synced", "in_step", "flagged", "failed"


@dataclass
class InvoiceOutcome:
    invoice: plan.Transferred
    state: str
    message: str
    paid: plan.Decimal = plan.ZERO
    read: dict = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)


@dataclass
class SyncOutcome:
    """How a run ended: counts, the path it took, the watermark to keep, what it left alone."""

    path: str = ""
    reason: str = ""
    watermark: datetime | None = None
    looked_at: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    created: int = 0
    deleted: int = 0
    left_alone: list[str] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.counts.get(FAILED) and not self.counts.get(FLAGGED)

    @property
    def total(self) -> int:
        return self.looked_at

    @property
    def done(self) -> int:
        return self.looked_at - self.failed

    @property
    def failed(self) -> int:
        return self.counts.get(FAILED, 0) + self.counts.get(FLAGGED, 0)

    @property
    def summary(self) -> str:
        if not self.created and not self.deleted:
            head = f"Nothing changed in ConnectWise: {plural(self.looked_at, 'invoice')} looked at"
        else:
            head = (
                f"{plural(self.counts.get(SYNCED, 0), 'invoice')} updated in ConnectWise "
                f"({plural(self.created, 'payment')} written, {self.deleted} removed) of "
                f"{self.looked_at} looked at"
            )
        parts = [f"{head} ({self.reason})."]
        if self.counts.get(FLAGGED):
            parts.append(f"{self.counts[FLAGGED]} flagged and left alone.")
        if self.counts.get(FAILED):
            parts.append(f"{self.counts[FAILED]} failed.")
        if self.left_alone:
            parts.append(f"Left alone: {plural(len(self.left_alone), 'unapplied credit')}.")
        manage, qbo = self.calls.get("manage", 0), self.calls.get("qbo", 0)
        parts.append(f"API calls: Manage {manage}, QuickBooks {qbo}.")
        return " ".join(parts)


class PaymentSync:
    """Bring QBO's paid amounts to the Manage invoices of one configuration."""

    def __init__(
        self,
        manage,
        qbo,
        store,
        *,
        multiple: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.manage, self.qbo, self.store = manage, qbo, store
        self.multiple, self.clock = multiple, clock
        self.writer = ManageWriter(manage, store)

    def run(self) -> SyncOutcome:
        started = self.clock()
        transferred = self.store.transferred()
        changes = changes_since(
            self.qbo, transferred, self.store.watermark(), started, self.store.paid_by
        )
        out = SyncOutcome(path=changes.path, reason=changes.reason, watermark=started)
        self.store.log(
            f"Payment sync: {changes.reason}; {plural(len(changes.invoices), 'invoice')}."
        )
        by_invoice = _index(changes)
        for qbo_id in sorted(changes.invoices, key=_order):
            inv = transferred[qbo_id]
            outcome = self._invoice(inv, changes.invoices[qbo_id], by_invoice.get(qbo_id, {}), out)
            out.counts[outcome.state] = out.counts.get(outcome.state, 0) + 1
            out.looked_at += 1
            # Unchanged invoices of a full read need no row: the run's message counts them.
            if outcome.state != IN_STEP or changes.path == "cdc":
                self.store.record(outcome)
        out.calls = {
            "manage": getattr(getattr(self.manage, "transport", None), "calls", 0),
            "qbo": getattr(self.qbo, "calls", 0),
        }
        if out.ok:
            self.store.set_watermark(started)
        return out

    def _invoice(self, inv, qbo_invoice, payments, out: SyncOutcome) -> InvoiceOutcome:
        today = self.clock().date()
        want = plan.wanted(qbo_invoice, payments, multiple=self.multiple, today=today)
        result = InvoiceOutcome(inv, IN_STEP, "", paid=want.paid, read=want.read)
        out.left_alone += want.notes
        for note in want.notes:
            self.store.log(f"Invoice {inv.number}: {note}")
        written = Written()
        try:
            links = self.writer.recover(inv, self.store.links(inv.manage_invoice_id), written)
            if want.flag:
                return self._flag(result, want.flag)
            refused = not self.writer.apply(inv, want.entries, links, written)
            if refused and self.multiple and self.store.links(inv.manage_invoice_id):
                # This Manage keeps one payment per invoice: write one summed payment.
                single = plan.wanted(qbo_invoice, payments, multiple=False, today=today)
                links = self.store.links(inv.manage_invoice_id)
                written.notes.append(
                    f"{written.failed}. ConnectWise keeps one payment per invoice here: "
                    "one summed payment was written instead."
                )
                written.failed = ""
                self.writer.apply(inv, single.entries, links, written)
        except ManageError as exc:
            written.failed = f"ConnectWise did not answer ({exc.message})."
        out.created += written.created
        out.deleted += written.deleted
        if written.failed:
            result.state, result.message = FAILED, written.failed
            result.problems = [{"message": written.failed, "fix": "Retry runs it again."}]
            return result
        notes = " ".join(written.notes + want.notes)
        if written.created or written.deleted or written.notes:  # notes: a resumed write
            result.state = SYNCED
            result.message = (
                f"Paid {want.paid} of {want.total} in QuickBooks: "
                f"{plural(written.created, 'payment')} written, {written.deleted} removed. {notes}"
            ).strip()
        else:
            result.message = f"Paid {want.paid} of {want.total}: already in ConnectWise. {notes}"
            result.message = result.message.strip()
        return result

    def _flag(self, result: InvoiceOutcome, why: str) -> InvoiceOutcome:
        result.state, result.message = FLAGGED, why
        result.problems = [{"message": why, "fix": "Check the invoice in QuickBooks and Manage."}]
        return result


def _index(changes: Changes) -> dict[str, dict[str, dict]]:
    """Return {QBO invoice id: {payment id: payment}} for the payments the run read."""
    out: dict[str, dict[str, dict]] = {}
    for pid, payment in changes.payments.items():
        for line in payment.get("Line") or []:
            for lt in line.get("LinkedTxn") or []:
                if lt.get("TxnType") == "Invoice":
                    out.setdefault(str(lt.get("TxnId")), {})[pid] = payment
    return out


def _order(value: str) -> tuple[int, str]:
    return (int(value), value) if value.isdigit() else (0, value)
