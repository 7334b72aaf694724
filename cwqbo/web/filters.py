"""Jinja filters of the pages: counts with plurals, QuickBooks entity names as prose, times
as "2 minutes ago" with the exact time on hover."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from markupsafe import Markup, escape

from cwqbo.web.hints import register_hints
from cwqbo.wording import ago, entity_label, plural


def when(value: datetime | str | None, empty: str = "—") -> Markup:
    """``{{ run.started_at | when }}`` -> <time datetime=… title="2026-12-01 17:43:12 UTC">2
    minutes ago</time>; an ISO string is read; nothing gives ``empty``."""
    if not value:
        return Markup(escape(empty))
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return Markup(escape(value))
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    exact = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(timespec="seconds"), exact, ago(moment)
    )


def register_filters(app: Flask) -> None:
    """``{{ n | plural("invoice") }}`` -> "1 invoice" / "10 invoices";
    ``{{ "CreditMemo" | entity_label }}`` -> "Credit memo"; ``{{ moment | when }}``."""
    app.add_template_filter(plural, "plural")
    app.add_template_filter(entity_label, "entity_label")
    app.add_template_filter(when, "when")
    register_hints(app)
