"""Helpers for the transfer tests: submit a batch, read both sandboxes, compare end states."""

from __future__ import annotations

from collections.abc import Iterable

import requests
from support import QBO_US_REALM

from cwqbo.batches import service
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration

FIRST_ROW_ID = 880001  # unposted row id of invoice #10001 in the Manage sample


def row_ids(*numbers: int) -> list[str]:
    """Return the unposted row ids of sample invoices by number (10001…10060)."""
    return [str(FIRST_ROW_ID + n - 10001) for n in numbers]


def submit(
    app, ids: Iterable[str], *, kind="invoices", detail="detailed", mode=Batch.TRANSFER
) -> int:
    """Create a batch of ``kind`` for configuration 1 as the submit page does; return its id."""
    with app.app_context():
        config = db.session.get(QBOConfiguration, 1)
        batch = service.create_batch(
            kind,
            config,
            list(ids),
            invoice_detail=detail,
            location_id=None,
            location_name=None,
            user_id=None,
            mode=mode,
        )
        return batch.id


def transactions(app, batch_id: int) -> dict[str, dict]:
    """Return {invoice number: the transaction row's fields} of a batch."""
    with app.app_context():
        rows = db.session.scalars(
            db.select(BatchTransaction).where(BatchTransaction.batch_id == batch_id)
        ).all()
        return {
            r.number: {
                "state": r.state,
                "qbo_id": r.qbo_id,
                "qbo_entity": r.qbo_entity,
                "problems": r.problems,
                "message": r.message,
                "manage_batch_id": r.manage_batch_id,
                "manage_batch_identifier": r.manage_batch_identifier,
            }
            for r in rows
        }


def batch_status(app, batch_id: int) -> tuple[str, str]:
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        return batch.status, batch.message


def qbo_docs(qbo_base_url: str, realm: str = QBO_US_REALM) -> dict[str, list[dict]]:
    """Return {DocNumber: [documents]} of every Invoice and CreditMemo in the QBO sandbox."""
    out: dict[str, list[dict]] = {}
    for entity in ("Invoice", "CreditMemo"):
        url = f"{qbo_base_url}/_sandbox/entities/{realm}/{entity}"
        for doc in requests.get(url, timeout=10).json():
            out.setdefault(doc.get("DocNumber"), []).append({**doc, "_entity": entity})
    return out


def manage_batches(state) -> dict[str, dict]:
    """Return {batchIdentifier: batch} held by the Manage sandbox."""
    with state.lock:
        return {b["batchIdentifier"]: dict(b) for b in state.batches.values()}


def unposted_numbers(state) -> set[str]:
    return {row["invoiceNumber"] for row in state.unposted("invoices")}


def sample_exports(state) -> dict[str, dict]:
    """Return {invoice number: GLExportTransaction} of the sample's unposted invoices."""
    with state.lock:
        return {
            doc["export"]["documentNumber"]: doc["export"]
            for doc in state.docs["invoices"].values()
        }


def end_state(qbo_base_url: str, state) -> dict:
    """What landed in both systems, comparable across runs."""
    docs = qbo_docs(qbo_base_url)
    return {
        "qbo": {
            number: sorted(
                (d["_entity"], str(d["TotalAmt"]), d["CustomerRef"].get("name")) for d in found
            )
            for number, found in docs.items()
        },
        "manage": sorted(manage_batches(state)),
        "unposted": sorted(unposted_numbers(state)),
    }
