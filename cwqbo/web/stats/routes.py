"""/stats: the filter form, the chart and table of counts, and one type's actions."""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from cwqbo.batches.report import TX_STATE_LABELS
from cwqbo.extensions import htmx
from cwqbo.models import QBOConfiguration
from cwqbo.pglimits import parse_id
from cwqbo.web.stats import bp
from cwqbo.web.stats.query import (
    GROUP_OF,
    STATUS_GROUPS,
    actions,
    counts,
    parse_filters,
    type_label,
)

# The chart's geometry (SVG user units; the SVG scales to its box).
CHART = {"width": 440, "label": 110, "bar": 210, "row": 44, "bar_height": 26, "top": 8}


def bars(type_counts) -> list[dict]:
    """Return each type's bar: its length, position and the words drawn beside it."""
    most = max((c.total for c in type_counts), default=0) or 1
    out = []
    for i, c in enumerate(type_counts):
        length = round(CHART["bar"] * c.total / most) if c.total else 0
        out.append(
            {
                "count": c,
                "y": CHART["top"] + i * CHART["row"],
                "length": max(length, 2 if c.total else 0),
            }
        )
    return out


@bp.get("")
@login_required
def index():
    configs = QBOConfiguration.ordered()
    filters = parse_filters(request.args, {c.id for c in configs})
    type_counts = counts(filters)
    page = parse_id(request.args.get("page")) or 1
    listed = actions(filters, page) if filters.type else None
    context = {
        "filters": filters,
        "configs": configs,
        "statuses": STATUS_GROUPS,
        "type_counts": type_counts,
        "bars": bars(type_counts),
        "chart": CHART,
        "chart_height": CHART["top"] * 2 + CHART["row"] * max(len(type_counts), 1),
        "listed": listed,
        "listed_label": type_label(filters.type) if filters.type else "",
        "tx_labels": TX_STATE_LABELS,
        "group_of": GROUP_OF,
        "total": sum(c.total for c in type_counts),
    }
    if htmx and htmx.target == "stats-results":
        return render_template("stats/_results.html", **context)
    return render_template("stats/index.html", **context)
