"""/audit: the entries with filters, their CSV export, and the purge by date."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import Response, flash, redirect, render_template, request, url_for

from cwqbo import audit
from cwqbo.extensions import db
from cwqbo.models import AuditEntry, User
from cwqbo.pglimits import parse_id
from cwqbo.web.audit import bp
from cwqbo.web.guards import admin_required

PER_PAGE = 50
CSV_COLUMNS = ("time_utc", "user", "action", "target", "fields", "detail", "ip")


@dataclass
class Filters:
    action: str = ""
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    problems: list[str] = field(default_factory=list)

    def args(self) -> dict:
        values = {
            "action": self.action,
            "user_id": self.user_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "q": self.text,
        }
        return {k: v for k, v in values.items() if v}


def _day(value: str, label: str, problems: list[str]) -> date | None:
    value = (value or "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        problems.append(f"{label} {value!r} is not a date: use the form 2026-12-31.")
        return None


def parse_filters(args) -> Filters:
    """Read the filters; anything unreadable is named and ignored."""
    problems: list[str] = []
    action = (args.get("action") or "").strip()
    if action and action not in audit.ACTIONS:
        problems.append(f"Unknown action {action!r}: pick one listed.")
        action = ""
    user = (args.get("user_id") or "").strip()
    return Filters(
        action=action,
        user_id=parse_id(user),
        date_from=_day(args.get("date_from"), "From", problems),
        date_to=_day(args.get("date_to"), "To", problems),
        text=(args.get("q") or "").strip()[:100],
        problems=problems,
    )


def _query(filters: Filters):
    query = db.select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.user_id:
        query = query.where(AuditEntry.user_id == filters.user_id)
    if filters.date_from:
        query = query.where(
            AuditEntry.at >= datetime.combine(filters.date_from, datetime.min.time())
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    if filters.text:
        like = f"%{filters.text}%"
        query = query.where(
            db.or_(
                AuditEntry.target.ilike(like),
                AuditEntry.actor.ilike(like),
                AuditEntry.detail.ilike(like),
                AuditEntry.ip.ilike(like),
            )
        )
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


@bp.get("")
@admin_required
def index():
    filters = parse_filters(request.args)
    page = request.args.get("page", "1")
    pagination = db.paginate(
        _query(filters), page=parse_id(page) or 1, per_page=PER_PAGE, error_out=False
    )
    users = db.session.scalars(db.select(User).order_by(User.name)).all()
    oldest = db.session.scalar(db.select(db.func.min(AuditEntry.at)))
    return render_template(
        "audit/index.html",
        filters=filters,
        pagination=pagination,
        actions=audit.ACTIONS,
        users=users,
        oldest=oldest,
    )


def _cell(value: str) -> str:
    """Keep a spreadsheet from reading a value as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.get("/export.csv")
@admin_required
def export():
    """Every entry matching the filters as CSV, newest first.

    Built whole rather than streamed: a streamed body would hold the request context (and
    its logged-in user) open until the client finished reading.
    """
    filters = parse_filters(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in db.session.scalars(_query(filters).execution_options(yield_per=500)):
        writer.writerow(
            map(
                _cell,
                (
                    entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                    entry.actor,
                    entry.action,
                    entry.target,
                    " ".join(entry.fields or []),
                    entry.detail,
                    entry.ip,
                ),
            )
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="cwqbo-audit-{stamp}.csv"'},
    )


@bp.post("/purge")
@admin_required
def purge():
    """Delete the entries before a date; the purge itself stays in the log."""
    problems: list[str] = []
    before = _day(request.form.get("before", ""), "The purge date", problems)
    if before is None:
        flash(problems[0] if problems else "Pick the date to purge before.", "error")
        return redirect(url_for("audit.index"))
    if before > date.today():
        flash("The purge date is in the future: pick today or an earlier day.", "error")
        return redirect(url_for("audit.index"))
    count = audit.purge(datetime.combine(before, datetime.min.time()))
    flash(
        f"{count} audit entr{'y' if count == 1 else 'ies'} from before {before:%Y-%m-%d} "
        "deleted. The purge itself is recorded.",
        "success",
    )
    return redirect(url_for("audit.index"))
