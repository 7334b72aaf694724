"""/reconcile: pick a configuration and period, read both systems in bulk, show or CSV."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

from flask import Response, render_template, request
from flask_login import login_required

from cwqbo.connections import NotConnected, manage_client, qbo_client
from cwqbo.connectwise import ManageError
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration
from cwqbo.models.user import utcnow
from cwqbo.pglimits import parse_id
from cwqbo.quickbooks.errors import QBOError
from cwqbo.transfer.reconcile import FLAGS, Report, Sent, reconcile
from cwqbo.web.reconcile import bp

log = logging.getLogger(__name__)
KIND_NOUNS = {"invoices": "Invoice", "expenses": "Expense", "products": "Item receipt"}
CSV_COLUMNS = (
    "Batch ID",
    "Kind",
    "Number",
    "Date",
    "QuickBooks entity",
    "QuickBooks id",
    "ConnectWise total",
    "ConnectWise balance",
    "QuickBooks total",
    "QuickBooks balance",
    "Differences",
)


def _day(args, name: str, default: date, errors: dict) -> date:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = f"{value!r} is not a date: use YYYY-MM-DD."
        return default


def sent_in(config_id: int, start: date, end: date) -> list[Sent]:
    """Return what cwqbo sent for a configuration, documents dated start..end."""
    query = (
        db.select(BatchTransaction, Batch.identifier)
        .join(Batch, Batch.id == BatchTransaction.batch_id)
        .where(
            Batch.config_id == config_id,
            Batch.mode == Batch.TRANSFER,  # not payment-sync runs, not marked-as-exported
            BatchTransaction.state == BatchTransaction.BATCHED,
            BatchTransaction.qbo_id.is_not(None),
            BatchTransaction.qbo_entity.is_not(None),
            BatchTransaction.document_date >= start,
        )
        .order_by(BatchTransaction.document_date, BatchTransaction.id)
    )
    if end < date.max:
        query = query.where(BatchTransaction.document_date <= end)
    out = []
    for tx, identifier in db.session.execute(query):
        record = tx.manage_record_id or ""
        out.append(
            Sent(
                kind=tx.kind,
                number=tx.number or tx.manage_id,
                document_date=tx.document_date,
                qbo_entity=tx.qbo_entity,
                qbo_id=tx.qbo_id,
                total=tx.total,
                manage_invoice_id=int(record)
                if tx.kind == "invoices" and record.isdigit()
                else None,
                batch=identifier,
                tx_id=tx.id,
            )
        )
    return out


def run(config: QBOConfiguration, start: date, end: date) -> tuple[Report | None, str | None]:
    """Return the report, or None and what stopped it (never raises for the page)."""
    sent = sent_in(config.id, start, end)
    try:
        manage = manage_client()
        qbo = qbo_client(config)
        report = reconcile(sent, manage, qbo)
    except NotConnected as exc:
        return None, str(exc)
    except ManageError as exc:
        return None, f"ConnectWise could not be read: {exc}. Try again in a moment."
    except QBOError as exc:
        return None, f"QuickBooks could not be read: {exc}. Try again in a moment."
    log.info(
        "reconciled %s transaction(s) of configuration %s: %s Manage and %s QuickBooks calls",
        len(sent),
        config.id,
        report.calls["manage"],
        report.calls["qbo"],
    )
    return report, None


def _csv(report: Report, config: QBOConfiguration, start: date, end: date) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        s = line.sent
        writer.writerow(
            [
                s.batch,
                KIND_NOUNS.get(s.kind, s.kind),
                _safe(s.number),
                s.document_date.isoformat() if s.document_date else "",
                s.qbo_entity,
                s.qbo_id,
                *("" if v is None else f"{v:.2f}" for v in _amounts(line)),
                "; ".join(line.flags),
            ]
        )
    name = f"reconciliation-{config.id}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _amounts(line) -> tuple:
    return line.manage_total, line.manage_balance, line.qbo_total, line.qbo_balance


def _safe(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.get("")
@login_required
def index():
    configs = QBOConfiguration.ordered()
    errors: dict[str, str] = {}
    today = utcnow().date()
    start = _day(request.args, "date_from", today.replace(day=1), errors)
    end = _day(request.args, "date_to", today, errors)
    if not errors and end < start:
        errors["date_to"] = "The end date is before the start date."
    config_id = parse_id(request.args.get("config_id"))
    config = next((c for c in configs if c.id == config_id), None)
    if request.args.get("config_id") and config is None:
        errors["config_id"] = "Choose one of the QuickBooks companies listed."
    report = problem = None
    if config is not None and not errors:
        report, problem = run(config, start, end)
        if report is not None and request.args.get("format") == "csv":
            return _csv(report, config, start, end)
    return render_template(
        "reconcile/index.html",
        configs=configs,
        config=config,
        start=start,
        end=end,
        errors=errors,
        report=report,
        problem=problem,
        flags=FLAGS,
        nouns=KIND_NOUNS,
    ), (400 if errors else 200)
