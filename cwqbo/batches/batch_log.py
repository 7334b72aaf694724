"""A batch's log for people and support: every run, every line, every transaction (D11)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from cwqbo.batches.report import STATE_LABELS, actions_of, progress
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchLog, User
from cwqbo.wording import entity_label

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


RUN_LINE = re.compile(r"^Run (\d+) started\.$")


def runs_of(logs: list[BatchLog]) -> list[dict]:
    """Return every run of the batch, [{run, started_at}], from its "Run N started." lines."""
    out = []
    for line in logs:
        match = RUN_LINE.match(line.message or "")
        if match:
            out.append({"run": int(match.group(1)), "started_at": _when(line.at)})
    return out


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
            "run_starts": runs_of(logs),
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
    for run in head["run_starts"]:
        out.append(f"Run {run['run']} started {run['started_at']} UTC")
    counts = progress(batch)
    out.append(
        f"Transactions: {counts.tx_total}; batched {counts.tx_batched}; "
        f"failed {counts.tx_failed}; in another batch {counts.tx_elsewhere}; "
        f"unfinished {counts.tx_total - counts.tx_done}"
    )
    if head["message"]:
        out.append(f"Message: {head['message']}")
    out += ["", "== Log =="]
    for line in data["log"]:
        about = f" [{line['transaction']}]" if line["transaction"] else ""
        who = f" (by {line['user']})" if line["user"] else ""
        out.append(f"{line['at']} {line['level'].upper():5}{about} {line['message']}{who}")
    out += ["", "== Transactions =="]
    for t in data["transactions"]:
        qbo = f"; QBO {entity_label(t['qbo_entity'])} {t['qbo_id']}" if t["qbo_id"] else ""
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
