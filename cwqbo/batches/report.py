"""Read a batch back for people: status page sections, progress, and the log (spec D6, D11).

Everything here reads the database rows the runner writes; nothing asks RQ or either API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchAction, BatchLog, BatchTransaction, User

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
}
# A status page section lists at most this many finished actions; the log has them all.
SECTION_LIMIT = 200
FINISHED = (BatchAction.SUCCEEDED, BatchAction.FAILED)
TX_FINISHED = (*BatchTransaction.FINAL, BatchTransaction.FAILED)


@dataclass
class Section:
    key: str
    label: str
    actions: list[BatchAction] = field(default_factory=list)
    state: str = BatchAction.NOT_STARTED
    hidden: int = 0  # completed actions not listed on the page (see the log)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def tone(self) -> str:
        return STATE_TONES[self.state]


@dataclass
class Progress:
    actions_done: int
    actions_total: int
    tx_done: int
    tx_total: int
    tx_failed: int = 0

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


def sections(batch: Batch, actions: list[BatchAction] | None = None) -> list[Section]:
    """Return the status page sections, each with its actions and overall state."""
    actions = actions_of(batch) if actions is None else actions
    labels = dict(SECTIONS)
    labels["documents"] = DOCUMENT_LABELS.get(batch.kind, labels["documents"])
    grouped: dict[str, list[BatchAction]] = {}
    for action in actions:
        grouped.setdefault(action.section, []).append(action)
    keys = [key for key, _ in SECTIONS]
    keys += sorted(k for k in grouped if k not in keys)  # a section this page does not know yet
    always = set(ALWAYS_SHOWN)
    if batch.mode == Batch.MARK_EXPORTED:
        always.discard("documents")  # nothing is sent to QuickBooks
    if batch.kind == "payments":
        always = {"payments"}
    out = []
    for key in keys:
        rows = grouped.get(key, [])
        if not rows and key not in always:
            continue
        section = Section(key, labels.get(key, key.replace("_", " ").title()))
        section.state = _section_state(rows)
        if len(rows) > SECTION_LIMIT:
            # Keep every unfinished or failed action in view; cut the completed ones.
            keep = [a for a in rows if a.state != BatchAction.SUCCEEDED]
            done = [a for a in rows if a.state == BatchAction.SUCCEEDED]
            room = max(SECTION_LIMIT - len(keep), 0)
            shown = {a.id for a in keep + done[:room]}
            section.actions = [a for a in rows if a.id in shown]
            section.hidden = len(rows) - len(section.actions)
        else:
            section.actions = rows
        out.append(section)
    return out


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
    )


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
        return f"{base}/_sandbox/entities/{realm_id}/{entity}#{qbo_id}"
    page = QBO_PAGES.get(entity)
    if page is None:
        return None
    return QBO_APP.get(environment, QBO_APP["production"]) + page.format(id=qbo_id)


# --- the log (D11) -----------------------------------------------------------------------

# "private" only as a key name or private_key: QBO's PrivateNote is a memo, not a secret.
SECRET_KEY = re.compile(
    r"token|secret|password|passwd|private[_-]?key|^private$|authorization|api[_-]?key", re.I
)
REDACTED = "[redacted]"


def redact(value: Any) -> Any:
    """Return value with anything under a secret-looking key replaced."""
    if isinstance(value, dict):
        return {k: (REDACTED if SECRET_KEY.search(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else None


def _user(user: User | None) -> str | None:
    return f"{user.name} <{user.email}>" if user else None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def log_data(batch: Batch) -> dict:
    """Return the whole batch as one JSON-ready dict: header, log, transactions, actions."""
    config = batch.config
    logs = db.session.scalars(
        db.select(BatchLog).where(BatchLog.batch_id == batch.id).order_by(BatchLog.at, BatchLog.id)
    ).all()
    users = {u.id: u for u in db.session.scalars(db.select(User))}
    numbers = {t.id: t.number for t in batch.transactions}
    data = {
        "batch": {
            "identifier": batch.identifier,
            "kind": batch.kind,
            "mode": batch.mode,
            "configuration": config.name if config else None,
            "qbo_company": config.company_name if config else None,
            "realm_id": config.realm_id if config else None,
            "submitted_by": _user(batch.created_by),
            "created_at": _when(batch.created_at),
            "started_at": _when(batch.started_at),
            "finished_at": _when(batch.finished_at),
            "status": batch.status,
            "message": batch.message,
            "runs": batch.runs,
            "invoice_detail": batch.invoice_detail,
            "location": batch.location_name,
        },
        "log": [
            {
                "at": _when(line.at),
                "level": line.level,
                "transaction": numbers.get(line.transaction_id),
                "user": _user(users.get(line.user_id)),
                "message": line.message,
            }
            for line in logs
        ],
        "transactions": [
            {
                "number": t.number,
                "manage_id": t.manage_id,
                "party": t.party,
                "location": t.location_name,
                "date": t.document_date.isoformat() if t.document_date else None,
                "total": str(t.total),
                "currency": t.currency,
                "state": t.state,
                "message": t.message,
                "problems": t.problems or [],
                "qbo_entity": t.qbo_entity,
                "qbo_id": t.qbo_id,
                "qbo_doc_number": t.qbo_doc_number,
                "qbo_voided": t.qbo_voided,
                "manage_batch_identifier": t.manage_batch_identifier,
                "manage_batch_id": t.manage_batch_id,
            }
            for t in batch.transactions
        ],
        "actions": [
            {
                "section": a.section,
                "key": a.key,
                "label": a.label,
                "state": a.state,
                "state_label": STATE_LABELS.get(a.state, a.state),
                "message": a.message,
                "transaction": numbers.get(a.transaction_id),
                "qbo_entity": a.qbo_entity,
                "qbo_id": a.qbo_id,
                "started_at": _when(a.started_at),
                "finished_at": _when(a.finished_at),
                "sent": a.sent,
                "received": a.received,
            }
            for a in actions_of(batch)
        ],
    }
    return redact(data)


def log_json(batch: Batch) -> str:
    return json.dumps(log_data(batch), indent=2, ensure_ascii=False, default=_json_default)


def log_text(batch: Batch) -> str:
    """Return the batch log as plain text, for people and the support form."""
    data = log_data(batch)
    head = data["batch"]
    out = [
        f"Batch {head['identifier']} ({batch.kind_label} batch, {head['mode']})",
        f"Configuration: {head['configuration'] or '-'}"
        + (f" (QuickBooks company {head['qbo_company']})" if head["qbo_company"] else ""),
        f"Submitted by: {head['submitted_by'] or '-'} at {head['created_at']} UTC",
        f"Status: {head['status']}; started {head['started_at'] or '-'}; "
        f"finished {head['finished_at'] or '-'}; runs {head['runs']}",
        f"Location filter: {head['location'] or 'all'}; invoice detail: {head['invoice_detail']}",
    ]
    if head["message"]:
        out.append(f"Message: {head['message']}")
    out += ["", "== Log =="]
    for line in data["log"]:
        about = f" [{line['transaction']}]" if line["transaction"] else ""
        who = f" (by {line['user']})" if line["user"] else ""
        out.append(f"{line['at']} {line['level'].upper():5}{about} {line['message']}{who}")
    out += ["", "== Transactions =="]
    for t in data["transactions"]:
        qbo = f"; QBO {t['qbo_entity']} {t['qbo_id']}" if t["qbo_id"] else ""
        voided = " (voided)" if t["qbo_voided"] else ""
        manage = (
            f"; ConnectWise batch {t['manage_batch_identifier']} (id {t['manage_batch_id']})"
            if t["manage_batch_id"]
            else ""
        )
        out.append(
            f"{t['number']} | {t['party']} | {t['total']} {t['currency']} | {t['state']}"
            f"{qbo}{voided}{manage}"
        )
        if t["message"]:
            out.append(f"    {t['message']}")
        for problem in t["problems"]:
            out.append("    problem: " + _problem_text(problem))
    out += ["", "== Actions =="]
    for a in data["actions"]:
        message = f": {a['message']}" if a["message"] else ""
        out.append(f"[{a['section']}] {a['label']} - {a['state_label']}{message}")
        for name in ("sent", "received"):
            if a[name] is not None:
                body = json.dumps(a[name], ensure_ascii=False, default=_json_default)
                out.append(f"    {name}: {body}")
    return "\n".join(out) + "\n"


def _problem_text(problem: Any) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    parts = [str(problem.get("message") or "")]
    if problem.get("fix"):
        parts.append(f"fix: {problem['fix']}")
    if problem.get("where"):
        parts.append(f"where: {problem['where']}")
    return " - ".join(p for p in parts if p)
