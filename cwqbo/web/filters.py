"""Jinja filters of the pages: counts with plurals, QuickBooks entity names as prose."""

from __future__ import annotations

from flask import Flask

from cwqbo.wording import entity_label, plural


def register_filters(app: Flask) -> None:
    """``{{ n | plural("invoice") }}`` -> "1 invoice" / "10 invoices";
    ``{{ "CreditMemo" | entity_label }}`` -> "Credit memo"."""
    app.add_template_filter(plural, "plural")
    app.add_template_filter(entity_label, "entity_label")
