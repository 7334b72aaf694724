"""Helpers of the batch page tests: rows written straight to the DB, big datasets, HTML reading."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

HX = {"HX-Request": "true"}
SELECT_URL = "/batches/new/invoices"
MARK_URL = "/batches/mark-exported/invoices"


# --- reading pages ------------------------------------------------------------------------


def row_ids(html: str) -> list[str]:
    """Return the manage ids of the unposted rows in a page or fragment, in order."""
    return re.findall(r'<tr id="row-(\d+)"', html)


def checked_ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(\d+)"[^>]*checked', html)


def hidden(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)">', html)


def selected_option(html: str, select_id: str) -> str | None:
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {select_id}"
    option = re.search(r'<option value="([^"]*)" selected>', match.group(1))
    return option.group(1) if option else None


def checked_radio(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}" value="([^"]*)" checked', html)
    return match.group(1) if match else None


def text(html: str) -> str:
    """Return the visible text of HTML, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- the unposted list of the Manage sandbox --------------------------------------------


def sample_invoices(state) -> list[dict]:
    """Return the sandbox's unposted invoice records (copies), in id order."""
    return sorted(state.unposted("invoices"), key=lambda r: r["id"])


# --- batches written straight to the database -------------------------------------------


def make_batch(
    app,
    *,
    status: str = "running",
    mode: str = "transfer",
    config_id: int | None = 1,
    created_by: str | None = "admin@example.com",
    created_at: datetime | None = None,
    transactions: list[dict] | None = None,
    actions: list[dict] | None = None,
    logs: list[dict] | None = None,
    kind: str = "invoices",
) -> str:
    """Write a batch with its transactions, actions and log lines; return its Batch ID.

    Transactions are dicts of BatchTransaction fields (unfinished ones of a queued or
    running batch hold their claim); an action's or a log line's ``tx`` is the index of
    its transaction.
    """
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchAction, BatchLog, BatchTransaction, User
    from cwqbo.models.user import utcnow

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == created_by))
        batch = Batch(
            kind=kind,
            mode=mode,
            config_id=config_id,
            created_by_id=user.id if user else None,
            status=status,
            location_name="Tampa HQ",
        )
        if created_at is not None:
            batch.created_at = created_at
        if status != "queued":
            batch.started_at = batch.created_at or utcnow()
        if status in ("succeeded", "failed"):
            batch.finished_at = (batch.started_at or utcnow()) + timedelta(seconds=5)
        db.session.add(batch)
        db.session.flush()
        batch.assign_identifier()
        rows = []
        for position, fields in enumerate(transactions or []):
            values = {
                "number": str(10001 + position),
                "manage_id": str(880001 + position),
                "party": "Contoso Ltd",
                "total": Decimal("100.00"),
                "currency": "USD",
                "document_date": date(2025, 5, 1),
                "state": "selected",
                **fields,
            }
            in_flight = status in ("queued", "running") and values["state"] not in (
                *BatchTransaction.FINAL,
                BatchTransaction.FAILED,
            )
            values.setdefault("claim", f"{kind}:{values['manage_id']}" if in_flight else None)
            tx = BatchTransaction(batch_id=batch.id, position=position, kind=kind, **values)
            db.session.add(tx)
            rows.append(tx)
        db.session.flush()
        for position, fields in enumerate(actions or [], start=1):
            fields = dict(fields)
            tx_index = fields.pop("tx", None)
            db.session.add(
                BatchAction(
                    batch_id=batch.id,
                    position=position,
                    transaction_id=rows[tx_index].id if tx_index is not None else None,
                    **{"key": f"a{position}", **fields},
                )
            )
        for fields in logs or []:
            fields = dict(fields)
            tx_index = fields.pop("tx", None)
            db.session.add(
                BatchLog(
                    batch_id=batch.id,
                    transaction_id=rows[tx_index].id if tx_index is not None else None,
                    **fields,
                )
            )
        db.session.commit()
        return batch.identifier


def set_status(app, identifier: str, status: str, **fields) -> None:
    """Move a batch (and optionally its transactions' fields) along, as the runner would."""
    from cwqbo.extensions import db
    from cwqbo.models import Batch
    from cwqbo.models.user import utcnow

    with app.app_context():
        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
        batch.status = status
        if status in Batch.ENDED:
            batch.finished_at = utcnow()
        for name, value in fields.items():
            setattr(batch, name, value)
        db.session.commit()


def batch_count(app) -> int:
    from cwqbo.extensions import db
    from cwqbo.models import Batch

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Batch))
