"""Read a batch back for people: labels, progress and QBO links for the status page (whose
summary and pages of rows are counted in cwqbo.batches.summary), and the log (spec D6, D11).

Everything here reads the database rows the runner writes; nothing asks RQ or either API.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchAction, BatchTransaction

# The runner's section keys, in the order the work happens.
SECTIONS = (
    ("validation", "Validation"),
    ("terms", "Terms"),
    ("classes", "Classes"),
    ("locations", "Locations"),
    ("customers", "Customers"),
    ("vendors", "Vendors"),
    ("items", "Items"),
    ("documents", "Invoices"),
    ("manage", "Mark batched in ConnectWise"),
    ("qbo", "Read in QuickBooks"),  # payment sync (cwqbo.transfer.payments)
    ("payments", "Payments written to ConnectWise"),
)
DOCUMENT_LABELS = {"invoices": "Invoices", "expenses": "Expenses", "products": "Item receipts"}
ALWAYS_SHOWN = ("validation", "documents", "manage")
STATE_LABELS = {
    BatchAction.NOT_STARTED: "Not Yet Started",
    BatchAction.RUNNING: "Running",
    BatchAction.SUCCEEDED: "Completed Successfully",
    BatchAction.FAILED: "Failed",
}
STATE_TONES = {
    BatchAction.NOT_STARTED: "muted",
    BatchAction.RUNNING: "warn",
    BatchAction.SUCCEEDED: "ok",
    BatchAction.FAILED: "bad",
}
BATCH_STATUS_LABELS = {
    Batch.QUEUED: "Waiting to start",
    Batch.RUNNING: "Running",
    Batch.SUCCEEDED: "Completed Successfully",
    Batch.FAILED: "Completed with failures",
}
TX_STATE_LABELS = {
    BatchTransaction.SELECTED: "Waiting",
    BatchTransaction.VALIDATED: "Validated",
    BatchTransaction.SENDING: "Sending to QuickBooks",
    BatchTransaction.IN_QBO: "In QuickBooks",
    BatchTransaction.BATCHED: "Batched",
    BatchTransaction.SKIPPED: "Batched (nothing sent)",
    BatchTransaction.FAILED: "Failed",
    BatchTransaction.UNBATCHED: "Unbatched",
    BatchTransaction.ELSEWHERE: "In another batch",
}
FINISHED = (BatchAction.SUCCEEDED, BatchAction.FAILED)
TX_FINISHED = (*BatchTransaction.FINAL, BatchTransaction.FAILED)


@dataclass
class Progress:
    actions_done: int
    actions_total: int
    tx_done: int
    tx_total: int
    tx_failed: int = 0
    tx_batched: int = 0  # batched in Manage by this batch (sent, or nothing to send)
    tx_elsewhere: int = 0  # taken by another batch since (issue 13 §5)

    @property
    def percent(self) -> int:
        return round(100 * self.tx_done / self.tx_total) if self.tx_total else 100


def actions_of(batch: Batch) -> list[BatchAction]:
    return db.session.scalars(
        db.select(BatchAction)
        .where(BatchAction.batch_id == batch.id)
        .order_by(BatchAction.position, BatchAction.id)
    ).all()


def _section_state(actions: list[BatchAction]) -> str:
    states = {a.state for a in actions}
    if BatchAction.FAILED in states:
        return BatchAction.FAILED
    if BatchAction.RUNNING in states:
        return BatchAction.RUNNING
    if states == {BatchAction.SUCCEEDED}:
        return BatchAction.SUCCEEDED
    if BatchAction.SUCCEEDED in states:
        return BatchAction.RUNNING  # some done, the rest still to come
    return BatchAction.NOT_STARTED


def progress(batch: Batch, actions: list[BatchAction] | None = None) -> Progress:
    """Return finished/all actions and finished/all transactions."""
    actions = actions_of(batch) if actions is None else actions
    states = [t.state for t in batch.transactions]
    return Progress(
        actions_done=sum(a.state in FINISHED for a in actions),
        actions_total=len(actions),
        tx_done=sum(s in TX_FINISHED for s in states),
        tx_total=len(states),
        tx_failed=sum(s == BatchTransaction.FAILED for s in states),
        tx_batched=sum(s in (BatchTransaction.BATCHED, BatchTransaction.SKIPPED) for s in states),
        tx_elsewhere=sum(s == BatchTransaction.ELSEWHERE for s in states),
    )


def taken_by(batch: Batch, transactions: list[BatchTransaction] | None = None) -> dict[int, str]:
    """Return {transaction id: identifier of the later batch that sent or marked it}, for
    ``transactions`` (a page of them) or all of the batch's."""
    rows = batch.transactions if transactions is None else transactions
    mine = {t.manage_id: t.id for t in rows if t.state == BatchTransaction.ELSEWHERE}
    if not mine:
        return {}
    rows = db.session.execute(
        db.select(BatchTransaction.manage_id, Batch.identifier)
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(
            BatchTransaction.kind == batch.kind,
            BatchTransaction.manage_id.in_(list(mine)),
            BatchTransaction.batch_id != batch.id,
            BatchTransaction.id > min(mine.values()),
            BatchTransaction.state.in_((BatchTransaction.BATCHED, BatchTransaction.SKIPPED)),
        )
        .order_by(BatchTransaction.id)
    ).all()
    return {mine[manage_id]: identifier for manage_id, identifier in rows}


# --- links into QuickBooks Online ------------------------------------------------------

QBO_PAGES = {
    "Invoice": "invoice?txnId={id}",
    "CreditMemo": "creditmemo?txnId={id}",
    "Bill": "bill?txnId={id}",
    "Purchase": "expense?txnId={id}",
    "Customer": "customerdetail?nameId={id}",
    "Vendor": "vendordetail?nameId={id}",
    "Item": "items",
    "Term": "terms",
    "Class": "class",
    "Department": "departments",
}
QBO_APP = {
    "production": "https://app.qbo.intuit.com/app/",
    "sandbox": "https://app.sandbox.qbo.intuit.com/app/",
}


def qbo_url(entity: str | None, qbo_id: str | None, realm_id: str | None = None) -> str | None:
    """Return where a person sees a QBO object: the QBO app, or the local sandbox's viewer."""
    if not entity or not qbo_id:
        return None
    environment = current_app.config["QBO_ENVIRONMENT"]
    if environment == "local":
        if not realm_id:
            return None
        base = current_app.config["QBO_LOCAL_BASE_URL"]
        return f"{base}/_sandbox/view/{realm_id}/{entity}/{qbo_id}"  # the viewer's page of it
    page = QBO_PAGES.get(entity)
    if page is None:
        return None
    return QBO_APP.get(environment, QBO_APP["production"]) + page.format(id=qbo_id)


# The log is in cwqbo.batches.batch_log; these names stay importable from here.
from cwqbo.batches.batch_log import (  # noqa: E402
    REDACTED,
    SECRET_KEY,
    log_data,
    log_json,
    log_text,
    redact,
    runs_of,
)

__all__ = ["REDACTED", "SECRET_KEY", "log_data", "log_json", "log_text", "redact", "runs_of"]
