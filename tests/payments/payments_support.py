"""Helpers for payment-sync tests: transfer invoices, pay them in QBO, read Manage back."""

from __future__ import annotations

import itertools
from decimal import Decimal

from cwqbo.batches import service
from cwqbo.batches.payment_run import start_payment_sync
from cwqbo.connections import qbo_client
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration

FIRST_ROW_ID = 880001  # unposted row of invoice #10001 in the Manage sample
_keys = itertools.count(1)


def transfer(app, run_jobs, *numbers: int) -> int:
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        batch = service.create_batch(
            "invoices",
            config,
            [str(FIRST_ROW_ID + n - 10001) for n in numbers],
            invoice_detail="summary",
            location_id=None,
            location_name=None,
            user_id=None,
        )
        batch_id = batch.id
    run_jobs()
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.status == Batch.SUCCEEDED, batch.message
    return batch_id


class Books:
    """The transferred invoices in both sandboxes, by Manage invoice number."""

    def __init__(self, app, manage_state, batch_id: int) -> None:
        self.app, self.state = app, manage_state
        with app.app_context():
            rows = db.session.scalars(
                db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
            ).all()
            self.qbo_id = {r.number: r.qbo_id for r in rows}
            self.manage_id = {r.number: int(r.manage_record_id) for r in rows}

    def qbo(self, fn):
        with self.app.app_context():
            return fn(qbo_client(db.session.get(QBOConfiguration, 1)))

    def invoice(self, number: str) -> dict:
        return self.qbo(lambda c: c.read("Invoice", self.qbo_id[number]))

    def total(self, number: str) -> Decimal:
        return Decimal(str(self.invoice(number)["TotalAmt"]))

    def pay(self, amounts: dict[str, Decimal], *, total=None, day="2026-11-20") -> dict:
        """Record one QBO payment applying ``amounts`` to invoices (by number)."""
        customer = self.invoice(next(iter(amounts)))["CustomerRef"]
        lines = [
            {
                "Amount": float(a),
                "LinkedTxn": [{"TxnId": self.qbo_id[n], "TxnType": "Invoice"}],
            }
            for n, a in amounts.items()
        ]
        body = {
            "CustomerRef": customer,
            "TotalAmt": float(total if total is not None else sum(amounts.values())),
            "TxnDate": day,
            "Line": lines,
        }
        return self.qbo(lambda c: c.create("Payment", body, f"test-pay-{next(_keys)}"))

    def credit(self, number: str, amount: Decimal, day="2026-11-21") -> dict:
        """Create a QBO credit memo for the invoice's customer and apply it to the invoice."""
        invoice = self.invoice(number)
        item = invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]
        memo = self.qbo(
            lambda c: c.create(
                "CreditMemo",
                {
                    "CustomerRef": invoice["CustomerRef"],
                    "TxnDate": day,
                    "Line": [
                        {
                            "Amount": float(amount),
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {
                                "ItemRef": item,
                                "Qty": 1,
                                "UnitPrice": float(amount),
                            },
                        }
                    ],
                },
                f"test-cm-{next(_keys)}",
            )
        )
        body = {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": 0,
            "TxnDate": day,
            "Line": [
                {
                    "Amount": float(amount),
                    "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                },
                {
                    "Amount": float(amount),
                    "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}],
                },
            ],
        }
        self.qbo(lambda c: c.create("Payment", body, f"test-pay-{next(_keys)}"))
        return memo

    def delete_payment(self, payment: dict) -> None:
        fresh = self.qbo(lambda c: c.read("Payment", payment["Id"]))
        self.qbo(
            lambda c: c.delete(
                "Payment", fresh["Id"], fresh["SyncToken"], f"test-del-{next(_keys)}"
            )
        )

    def delete_payment_of(self, number: str) -> None:
        """Delete every QBO payment linked to the invoice."""
        for link in self.invoice(number).get("LinkedTxn") or []:
            if link.get("TxnType") == "Payment":
                self.delete_payment({"Id": link["TxnId"]})

    def change_payment(self, payment: dict, number: str, amount: Decimal) -> None:
        fresh = self.qbo(lambda c: c.read("Payment", payment["Id"]))
        line = {
            "Amount": float(amount),
            "LinkedTxn": [{"TxnId": self.qbo_id[number], "TxnType": "Invoice"}],
        }
        body = {**fresh, "TotalAmt": float(amount), "Line": [line]}
        self.qbo(lambda c: c.update("Payment", body, f"test-upd-{next(_keys)}", sparse=False))

    # -- Manage ---------------------------------------------------------------------

    def manage(self, number: str) -> dict:
        """Return the Manage invoice's paid amount, balance and payments."""
        with self.state.lock:
            invoice = dict(self.state.invoices[self.manage_id[number]])
            pays = [dict(p) for p in self.state.payments.get(invoice["id"], [])]
        return {
            "paid": Decimal(str(invoice["payments"])).quantize(Decimal("0.01")),
            "balance": Decimal(str(invoice["balance"])).quantize(Decimal("0.01")),
            "payments": sorted((Decimal(str(p["amount"])), p["paymentDate"][:10]) for p in pays),
            "ids": sorted(p["id"] for p in pays),
        }


def sync(app, run_jobs, user_id: int | None = None) -> Batch:
    """Start a payment sync of configuration 1, run it in a worker, return the ended run."""
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        run_id = start_payment_sync(config, user_id).id
    run_jobs()
    with app.app_context():
        run = db.session.get(Batch, run_id)
        db.session.expunge(run)
        return run
