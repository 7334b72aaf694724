"""Helpers for the inventory (item receipt) batch tests: submit, options, read both sandboxes."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import requests
from support import QBO_US_REALM

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog, BatchTransaction, ConfigurationOptions, QBOConfiguration
from tests.batches.transfer_support import submit as submit_kind

FIRST_ROW = 7001  # unposted procurement row id of the sample's first item receipt
RECEIPTS = [f"{FIRST_ROW + n}-purchase" for n in range(10)]  # their unpostedProductIds


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def qbo_rows(base_url: str, entity: str, realm: str = QBO_US_REALM) -> list[dict]:
    response = requests.get(f"{base_url}/_sandbox/entities/{realm}/{entity}", timeout=10)
    response.raise_for_status()
    return response.json()


def account_ids(base_url: str) -> dict[str, str]:
    """Return {FullyQualifiedName: Id} of the QBO sandbox's accounts."""
    return {a["FullyQualifiedName"]: a["Id"] for a in qbo_rows(base_url, "Account")}


def set_products_tab(app, base_url: str, *, cogs: bool = True, track: bool = True) -> None:
    """Choose the Products tab accounts of configuration 1 (as the settings page saves them)."""
    ids = account_ids(base_url)
    with app.app_context():
        options = ConfigurationOptions.for_config(db.session.get(QBOConfiguration, 1))
        options.income_account_id = ids["Income:Products:Hardware"]
        options.cogs_account_id = ids["Cost of Goods Sold:Hardware"] if cogs else None
        options.asset_account_id = ids["Inventory Asset"]
        options.track_quantity = track
        db.session.add(options)
        db.session.commit()


def submit(app, ids: Iterable[str], *, mode: str = Batch.TRANSFER) -> int:
    return submit_kind(app, ids, kind="products", detail="summary", mode=mode)


def transactions(app, batch_id: int) -> dict[str, BatchTransaction]:
    """Return {unpostedProductId: the transaction row} of a batch (detached copies)."""
    with app.app_context():
        rows = db.session.scalars(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return {r.manage_id: r for r in rows}


def logs(app, batch_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(db.select(BatchLog.message).where(BatchLog.batch_id == batch_id))
        )


def sample(state) -> dict[str, dict]:
    """Return {unpostedProductId: {"record", "export"}} of the Manage sandbox's receipts."""
    with state.lock:
        return {d["record"]["unpostedProductId"]: d for d in state.docs["products"].values()}


def unposted(state) -> set[str]:
    return {row["unpostedProductId"] for row in state.unposted("products")}


def manage_batches(state) -> dict[str, dict]:
    with state.lock:
        return {b["batchIdentifier"]: dict(b) for b in state.batches.values()}


def bills(base_url: str) -> dict[str, list[dict]]:
    """Return {DocNumber: [Bill]} of the QBO sandbox's US company."""
    out: dict[str, list[dict]] = {}
    for bill in qbo_rows(base_url, "Bill"):
        out.setdefault(bill.get("DocNumber"), []).append(bill)
    return out
