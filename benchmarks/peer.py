"""The plain python-quickbooks script on the same fresh data as transfer.py (issue 14 §5).

    .venv/bin/python benchmarks/peer.py N [--latency-ms 150] [--vs-cwqbo]

What a hand-written integration does, one request at a time: the GL export read once (the
same calls cwqbo makes), then per invoice a customer look-up (created when missing), an item
look-up (created when missing), the invoice created, and one Manage batch POST marking it
batched. Both sandboxes run with ``latency_ms`` added to every request and QBO's limits on,
the Manage data is transfer.py's (``scaled_dataset(N)``, fresh). It prints its wall time and
calls; with ``--vs-cwqbo`` it then runs transfer.py's real path (web submit → worker.py) on
new sandboxes holding the same data, in the same run, and prints cwqbo's speed-up.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import transfer
from _support import US_REALM, manage_client, print_calls
from requests_oauthlib import OAuth2Session

warnings.filterwarnings("ignore", category=DeprecationWarning, module="quickbooks")
from quickbooks import QuickBooks  # noqa: E402
from quickbooks.objects.account import Account  # noqa: E402
from quickbooks.objects.customer import Customer  # noqa: E402
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail  # noqa: E402
from quickbooks.objects.invoice import Invoice  # noqa: E402
from quickbooks.objects.item import Item  # noqa: E402

from cwqbo.transfer.invoices import INVOICES  # noqa: E402
from cwqbo.transfer.steps import read_export  # noqa: E402

MINOR_VERSION = 75


def peer_client(qbo_url: str, token: str) -> QuickBooks:
    """A python-quickbooks client on the sandbox's US realm (token handed in, no OAuth dance)."""
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the local sandbox speaks plain HTTP
    client = QuickBooks(company_id=US_REALM, minorversion=MINOR_VERSION)
    client.api_url_v3 = f"{qbo_url}/v3"
    client.session = OAuth2Session("peer", token={"access_token": token, "token_type": "Bearer"})
    return client


def lines_of(doc: dict) -> list[dict]:
    """The export's revenue lines (credits: negative totals), as the invoice's lines."""
    return [d for d in doc.get("detail") or [] if d.get("glTypeId") not in ("AR", "ST")]


def item_name(line: dict) -> str:
    work = line.get("workType") or {}
    return str(line.get("glItemId") or work.get("name") or "Services")[:100]


def transfer_one(qb: QuickBooks, manage, doc: dict, income: Account, today: str) -> None:
    """One invoice, the plain way: 4 requests, one after the other."""
    name = doc["company"]["name"]
    found = Customer.filter(DisplayName=name, qb=qb)
    if found:
        customer = found[0]
    else:
        customer = Customer()
        customer.DisplayName = name
        customer.save(qb=qb)
    lines = lines_of(doc)
    wanted = item_name(lines[0])
    items = Item.filter(Name=wanted, qb=qb)
    if items:
        item = items[0]
    else:
        item = Item()
        item.Name, item.Type = wanted, "Service"
        item.IncomeAccountRef = income.to_ref()
        item.save(qb=qb)
    invoice = Invoice()
    invoice.DocNumber = str(doc["documentNumber"])
    invoice.TxnDate = str(doc["documentDate"])[:10]
    invoice.CustomerRef = customer.to_ref()
    for source in lines:
        line = SalesItemLine()
        line.Amount = round(-float(source["total"]), 2)
        line.Description = source.get("description", "")
        qty, price = -float(source.get("quantity") or 0), float(source.get("itemPrice") or 0)
        if round(qty * price, 2) != line.Amount:  # a discount, a fixed fee: one at the total
            qty, price = 1, line.Amount
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = item.to_ref()
        line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = qty, price
        invoice.Line.append(line)
    invoice.save(qb=qb)
    manage.create_batch(
        f"{today}-I{doc['documentNumber']}",
        INVOICES.record_ids(doc),
        kind="invoices",
        look_up=False,
    )


def run_peer(count: int, latency_ms: int) -> dict:
    """Transfer ``count`` invoices the plain way on fresh sandboxes; return the figures."""
    (manage_url, manage_state, manage_server), (qbo_url, qbo_server, qbo_state), recorders = (
        transfer.start_sandboxes(count, latency_ms)
    )
    try:
        manage = manage_client(manage_url, manage_state)
        qb = peer_client(qbo_url, qbo_state.add_token(US_REALM))
        ids = [str(1_000_001 + n) for n in range(count)]
        for recorder in recorders:
            recorder.calls.clear()
        started = time.monotonic()
        found, _, _ = read_export(manage, INVOICES, ids)
        income = Account.where("AccountType = 'Income'", max_results=1, qb=qb)[0]
        today, failed = date.today().isoformat(), 0
        for key in ids:
            try:
                transfer_one(qb, manage, found[key], income, today)
            except Exception as exc:  # a peer script logs and goes on
                failed += 1
                if failed <= 3:
                    print(f"  invoice {key} failed: {exc!r}"[:300], file=sys.stderr)
        wall = time.monotonic() - started
    finally:
        manage_server.shutdown()
        qbo_server.shutdown()
    calls = [c for r in recorders for c in r.calls]
    return {"wall": wall, "calls": calls, "failed": failed, "exported": len(found)}


def report_peer(args, figures: dict) -> None:
    n, wall, calls = args.count, figures["wall"], figures["calls"]
    print(f"command:        {' '.join(['.venv/bin/python', 'benchmarks/peer.py', *sys.argv[1:]])}")
    print(
        f"peer script:    {n} invoices, python-quickbooks, one request at a time "
        f"(latency {args.latency_ms} ms on both sandboxes, QBO limits on)"
    )
    print(f"failed:         {figures['failed']} of {n} ({figures['exported']} exported)")
    print(f"wall time:      {wall:.1f} s, {wall / n * 1000:.0f} ms per invoice")
    print_calls(calls, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=100)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--vs-cwqbo", action="store_true", help="then run cwqbo on the same data")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    peer = run_peer(args.count, args.latency_ms)
    report_peer(args, peer)
    if not args.vs_cwqbo:
        return
    print("\ncwqbo on the same data (benchmarks/transfer.py's path):")
    with tempfile.TemporaryDirectory(prefix="cwqbo-bench-") as tmp:
        figures = transfer.run(args, Path(tmp))
    print(
        f"speed-up:       cwqbo {figures['wall']:.1f} s vs the peer {peer['wall']:.1f} s: "
        f"{peer['wall'] / figures['wall']:.1f}x faster ({args.count} invoices, same data, "
        "same run)"
    )


if __name__ == "__main__":
    main()
