"""Write a Manage invoice's payments exactly once, even across crashes and retries.

Before each write the store commits the intent (a link row ``writing`` or ``deleting``);
after it, the outcome. A link still ``writing``/``deleting`` when an invoice is next looked
at means a run died mid-write: the invoice's payments are read back from Manage and the
intent is settled from what Manage holds (adopted, or dropped so it is written once), never
by writing blindly again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from cwqbo.connectwise.errors import ManageBadRequest, ManageError, ManageNotFound
from cwqbo.transfer.payments.plan import Entry, Link, Step, Transferred, money, steps

WRITING, WRITTEN, DELETING = "writing", "written", "deleting"
RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
SECTION = "payments"


def payments_path(invoice_id: int) -> str:
    return f"finance/invoices/{invoice_id}/payments"


@dataclass
class Written:
    """What one invoice's turn wrote to Manage."""

    created: int = 0
    deleted: int = 0
    failed: str = ""
    notes: list[str] = field(default_factory=list)


class ManageWriter:
    """Bring one Manage invoice's cwqbo payments to the wanted entries."""

    def __init__(self, manage, store) -> None:
        self.manage, self.store = manage, store

    def recover(self, inv: Transferred, links: list[Link], out: Written) -> list[Link]:
        """Settle intents a dead run left behind, from the invoice's payments in Manage."""
        if all(link.state == WRITTEN for link in links):
            return links
        held = self.manage.get(payments_path(inv.manage_invoice_id), {"pageSize": 1000}) or []
        ids = {p.get("id") for p in held}
        claimed = {link.manage_payment_id for link in links if link.state == WRITTEN}
        for link in links:
            if link.state == DELETING:
                if link.manage_payment_id in ids:
                    self._delete_call(inv, link.manage_payment_id)
                self.store.finish_delete(link)
                out.notes.append(f"Finished removing ConnectWise payment {link.manage_payment_id}.")
            elif link.state == WRITING:
                match = next(
                    (
                        p
                        for p in held
                        if p.get("id") not in claimed
                        and money(p.get("amount")) == link.amount
                        and str(p.get("paymentDate", ""))[:10] == link.paid_on.isoformat()
                    ),
                    None,
                )
                if match is not None:
                    self.store.finish_create(link, int(match["id"]))
                    claimed.add(match["id"])
                    out.notes.append(
                        f"A payment an interrupted run wrote was found in ConnectWise "
                        f"(payment {match['id']}); not written again."
                    )
                else:
                    self.store.abandon(link)
        return self.store.links(inv.manage_invoice_id)

    def apply(self, inv: Transferred, entries: list[Entry], links: list[Link], out: Written):
        """Make the writes; return False when Manage refused a create (``out.failed`` says)."""
        for n, step in enumerate(steps(entries, links)):
            if step.op == "delete":
                self._delete(inv, step, out)
            elif not self._create(inv, step, n, out):
                return False
        return True

    def _label(self, inv: Transferred, text: str) -> str:
        return f"Invoice {inv.number or inv.manage_invoice_id}: {text}"

    def _delete(self, inv: Transferred, step: Step, out: Written) -> None:
        link = step.link
        key = f"{inv.manage_invoice_id}:delete:{link.manage_payment_id}"
        label = self._label(inv, f"remove payment {link.amount} of {link.paid_on}")
        sent = {"DELETE": f"{payments_path(inv.manage_invoice_id)}/{link.manage_payment_id}"}
        self.store.action(SECTION, key, label, RUNNING, sent=sent, **self._qbo(inv))
        self.store.begin_delete(link)
        self._delete_call(inv, link.manage_payment_id)
        self.store.finish_delete(link)
        self.store.action(SECTION, key, label, SUCCEEDED, message="Removed.", received=None)
        out.deleted += 1

    def _delete_call(self, inv: Transferred, payment_id: int | None) -> None:
        if payment_id is None:
            return
        try:
            self.manage.delete(f"{payments_path(inv.manage_invoice_id)}/{payment_id}")
        except ManageNotFound:
            pass  # already gone: what the delete wanted

    def _create(self, inv: Transferred, step: Step, n: int, out: Written) -> bool:
        entry = step.entry
        body = {
            "invoice": {"id": inv.manage_invoice_id},
            "amount": float(entry.amount),
            "paymentDate": f"{entry.paid_on.isoformat()}T00:00:00Z",
        }
        key = f"{inv.manage_invoice_id}:create:{entry.source}:{entry.amount}:{entry.paid_on}"
        label = self._label(inv, f"payment {entry.amount} of {entry.paid_on} ({entry.note})")
        self.store.action(SECTION, key, label, RUNNING, sent=body, **self._qbo(inv))
        link = self.store.begin_create(inv, entry)
        try:
            made = self.manage.post(payments_path(inv.manage_invoice_id), body)
        except ManageBadRequest as exc:  # refused: nothing was written
            self.store.abandon(link)
            out.failed = f"ConnectWise refused payment {entry.amount}: {exc.message}"
            self.store.action(SECTION, key, label, FAILED, message=out.failed)
            return False
        except ManageError:
            # No answer: it may have landed. The intent stays; the next look reads Manage.
            self.store.action(
                SECTION,
                key,
                label,
                FAILED,
                message="ConnectWise did not answer; the next run checks before writing again.",
            )
            raise
        self.store.finish_create(link, int(made.get("id")))
        self.store.action(
            SECTION, key, label, SUCCEEDED, message=f"Payment {made.get('id')}.", received=made
        )
        out.created += 1
        return True

    @staticmethod
    def _qbo(inv: Transferred) -> dict:
        return {"qbo_entity": "Invoice", "qbo_id": inv.qbo_id}


def total_of(entries: list[Entry]) -> Decimal:
    return sum((e.amount for e in entries), Decimal("0.00"))
