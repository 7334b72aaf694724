"""Time payment sync over N transferred invoices of which C changed in QBO; print the figures.

    .venv/bin/python benchmarks/payment_sync.py [N] [C]     (defaults 10000 and 50)

Both sandboxes over real HTTP (QBO's rate limits on: 500 requests per minute per realm), the
real PaymentSync with an in-memory store. N invoices are seeded straight into the sandboxes
(QBO: last changed 60 days ago, outside CDC's window); C of them are then paid in QBO through
its API (40 one payment each, the rest by one payment over several invoices). Three runs:
a first run (no watermark: full read by id in IN chunks), the daily run after the changes
(CDC since the first run), and a second daily run (nothing changed).
"""

from __future__ import annotations

import itertools
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

from _support import US_REALM, manage_client, qbo_client

from cwqbo.quickbooks import QBOClient
from cwqbo.sandbox.connectwise import serve_in_thread as serve_manage
from cwqbo.sandbox.quickbooks import serve_in_thread as serve_qbo
from cwqbo.transfer.payments import Link, PaymentSync, Transferred

FIRST_MANAGE_ID = 600001


class MemoryStore:
    """The sync's store, in memory (the app's store commits each step to the database)."""

    def __init__(self, transferred: dict[str, Transferred]) -> None:
        self._transferred, self._watermark = transferred, None
        self.rows: dict[int, Link] = {}
        self.ids = itertools.count(1)
        self.writes, self.recorded = 0, 0
        self.by_invoice: dict[int, list[int]] = {}
        self.inv_of: dict[int, tuple[int, str]] = {}
        self.failures: list[str] = []

    def transferred(self):
        return self._transferred

    def watermark(self):
        return self._watermark

    def set_watermark(self, when):
        self._watermark = when

    def paid_by(self, txn):
        return {self.inv_of[i][1] for i, link in self.rows.items() if f" {txn} " in _txns(link)}

    def links(self, manage_invoice_id):
        return [self.rows[i] for i in self.by_invoice.get(manage_invoice_id, [])]

    def begin_create(self, inv, entry):
        link = Link(
            next(self.ids),
            entry.source,
            entry.amount,
            entry.paid_on,
            None,
            "writing",
            entry.qbo_txns,
        )
        self.rows[link.id] = link
        self.by_invoice.setdefault(inv.manage_invoice_id, []).append(link.id)
        self.inv_of[link.id] = (inv.manage_invoice_id, inv.qbo_id)
        return link

    def finish_create(self, link, payment_id):
        old = self.rows[link.id]
        self.rows[link.id] = Link(
            old.id, old.source, old.amount, old.paid_on, payment_id, "written", old.qbo_txns
        )
        self.writes += 1

    def abandon(self, link):
        self.rows.pop(link.id)
        self.by_invoice[self.inv_of.pop(link.id)[0]].remove(link.id)

    def begin_delete(self, link):
        pass

    finish_delete = abandon

    def action(self, *args, **fields):
        pass

    def log(self, message, level="info"):
        pass

    def record(self, outcome):
        self.recorded += 1
        if outcome.state == "failed":
            self.failures.append(f"{outcome.invoice.number}: {outcome.message}")


def _txns(link: Link) -> str:
    return " " + " ".join(link.qbo_txns) + " "


def seed(manage_state, qbo_state, count: int) -> dict[str, Transferred]:
    company = qbo_state.companies[US_REALM]
    customer = next(iter(company.rows["Customer"].values()))
    item = next(i for i in company.rows["Item"].values() if i.get("Type") == "Service")
    out = {}
    with qbo_state.lock, manage_state.lock:
        for n in range(count):
            manage_id, qbo_id = FIRST_MANAGE_ID + n, str(700001 + n)
            company.create(
                "Invoice",
                {
                    "Id": qbo_id,
                    "DocNumber": f"B{n}",
                    "CustomerRef": {"value": customer["Id"]},
                    "Line": [
                        {
                            "Amount": 100.0,
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {
                                "ItemRef": {"value": item["Id"]},
                                "Qty": 1,
                                "UnitPrice": 100.0,
                            },
                        }
                    ],
                },
                seed=True,
            )
            manage_state.invoices[manage_id] = {
                "id": manage_id,
                "invoiceNumber": f"B{n}",
                "type": "Standard",
                "total": 100.0,
                "payments": 0.0,
                "credits": 0.0,
                "balance": 100.0,
            }
            out[qbo_id] = Transferred(qbo_id, manage_id, f"B{n}", customer["DisplayName"], "USD")
    return out, customer["Id"]


def change(qbo: QBOClient, transferred, customer: str, changed: int) -> None:
    ids = list(transferred)[:changed]
    singles, group = ids[:40], ids[40:]
    for n, qbo_id in enumerate(singles):
        qbo.create(
            "Payment",
            {
                "CustomerRef": {"value": customer},
                "TotalAmt": 100.0,
                "TxnDate": "2026-11-20",
                "Line": [{"Amount": 100.0, "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Invoice"}]}],
            },
            f"bench-pay-{n}",
        )
    if group:
        qbo.create(
            "Payment",
            {
                "CustomerRef": {"value": customer},
                "TotalAmt": 40.0 * len(group),
                "TxnDate": "2026-11-21",
                "Line": [
                    {"Amount": 40.0, "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]}
                    for i in group
                ],
            },
            "bench-pay-group",
        )


def run(manage_url, manage_state, qbo_url, token, store):
    manage = manage_client(manage_url, manage_state)
    qbo = qbo_client(qbo_url, token)
    started = time.perf_counter()
    outcome = PaymentSync(manage, qbo, store, multiple=True, clock=lambda: datetime.now(UTC)).run()
    return outcome, time.perf_counter() - started


def main(count: int, changed: int) -> None:
    manage_url, manage_server, manage_state = serve_manage()
    qbo_url, qbo_server, qbo_state = serve_qbo()
    token = qbo_state.add_token(US_REALM)
    started = time.perf_counter()
    transferred, customer = seed(manage_state, qbo_state, count)
    print(f"transferred invoices:   {count:,} (seeded in {time.perf_counter() - started:.1f} s)")
    store = MemoryStore(transferred)
    for name in ("first run (full read)", f"after {changed} changed (CDC)", "again (CDC)"):
        if name.startswith("after"):
            change(qbo_client(qbo_url, token), transferred, customer, changed)
        before = store.writes
        outcome, elapsed = run(manage_url, manage_state, qbo_url, token, store)
        print(f"{name}:")
        print(f"    path:               {outcome.path} ({outcome.reason})")
        print(
            f"    invoices looked at: {outcome.looked_at:,}; Manage payments written: "
            f"{store.writes - before}"
        )
        print(f"    QBO calls:          {outcome.calls['qbo']}")
        print(f"    Manage calls:       {outcome.calls['manage']}")
        print(f"    wall time:          {elapsed:.2f} s")
    paid = sum(
        1
        for i in manage_state.invoices.values()
        if i["id"] >= FIRST_MANAGE_ID and Decimal(str(i["payments"])) > 0
    )
    print(f"Manage invoices paid:   {paid} (expected {changed})")
    print(f"QBO throttled (429):    {qbo_state.throttle.throttled}")
    if store.failures:
        print(f"failures: {len(store.failures)}, first: {store.failures[0]}")
    manage_server.shutdown()
    qbo_server.shutdown()


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 50,
    )
