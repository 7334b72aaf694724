"""Sync Statistics: every count equals the actions for each filter combination (spec F1)."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from stats_seed import DAYS, KINDS, seed

from cwqbo.web.stats.query import STATUS_GROUPS

CELL = re.compile(r'<tr data-type="(?P<kind>\w+)">.*?</tr>', re.S)
VALUE = re.compile(r'data-status="(?P<status>\w+)">(?P<n>[\d,]+)<')
RANGES = [
    (None, None),
    (DAYS[0], DAYS[0]),
    (DAYS[1], DAYS[2]),
    (None, DAYS[1]),
    (DAYS[2], None),
    (date(2025, 1, 1), date(2025, 12, 31)),
]


def table(html: str) -> dict[str, dict[str, int]]:
    """Return {type: {status group or total: count}} read from the page's table."""
    out = {}
    for row in CELL.finditer(html):
        cells = {m["status"]: int(m["n"].replace(",", "")) for m in VALUE.finditer(row[0])}
        out[row["kind"]] = cells
    return out


def expected(actions, config_id, status, start, end) -> dict[str, dict[str, int]]:
    out = {}
    for kind in KINDS:
        mine = [
            a
            for a in actions
            if a.kind == kind
            and (config_id is None or a.config_id == config_id)
            and (not status or a.state in STATUS_GROUPS[status][1])
            and (start is None or a.day >= start)
            and (end is None or a.day <= end)
        ]
        cells = {
            g: sum(a.state in states for a in mine) for g, (_, states) in STATUS_GROUPS.items()
        }
        cells["total"] = len(mine)
        out[kind] = cells
    return out


@pytest.fixture
def seeded(app):
    return seed(app)


def test_counts_equal_the_actions_for_every_filter_combination(seeded, admin):
    config_ids, actions = seeded
    assert len(actions) > 40
    combos = itertools.product([None, *config_ids], ["", *STATUS_GROUPS], RANGES)
    for config_id, status, (start, end) in combos:
        args = {
            "config_id": config_id or "",
            "status": status,
            "date_from": start.isoformat() if start else "",
            "date_to": end.isoformat() if end else "",
        }
        response = admin.get("/stats", query_string=args)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        got = table(html)
        want = expected(actions, config_id, status, start, end)
        # Invoices are enabled, so they always show; other kinds show once they have rows.
        for kind, cells in want.items():
            if cells["total"] or kind == "invoices":
                assert got.get(kind) == cells, (args, kind)
        total = sum(c["total"] for c in want.values())
        assert f"{total:,} action" in html, args


def test_the_listed_actions_are_the_types_actions_under_the_filters(seeded, admin):
    config_ids, actions = seeded
    for config_id, kind in itertools.product(config_ids, KINDS):
        args = {"config_id": config_id, "type": kind, "status": "failed"}
        html = admin.get("/stats", query_string=args).get_data(as_text=True)
        listed = set(map(int, re.findall(r'class="stats-action" data-tx="(\d+)"', html)))
        want = {
            a.tx_id
            for a in actions
            if a.config_id == config_id and a.kind == kind and a.state == "failed"
        }
        assert listed == want, args
        for a in actions:
            if a.tx_id in want:
                assert f'href="/batches/{a.batch}#tx-{a.tx_id}"' in html


def test_htmx_gets_the_results_fragment_only(seeded, admin):
    response = admin.get(
        "/stats?type=invoices", headers={"HX-Request": "true", "HX-Target": "stats-results"}
    )
    html = response.get_data(as_text=True)
    assert 'id="stats-results"' in html and "<html" not in html
    assert "<svg" in html and 'id="stats-actions"' in html


def test_bad_filters_are_named_and_never_500(seeded, admin):
    response = admin.get(
        "/stats",
        query_string={
            "config_id": "999",
            "status": "bogus",
            "date_from": "2026-13-45",
            "date_to": "yesterday",
            "type": "<script>",
            "page": "x",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That QuickBooks Online configuration does not exist" in html
    assert "Unknown transaction status &#39;bogus&#39;" in html
    assert "Start date &#39;2026-13-45&#39; is not a date" in html
    assert "End date &#39;yesterday&#39; is not a date" in html
    swapped = admin.get(
        "/stats", query_string={"date_from": "2026-11-30", "date_to": "2026-10-01"}
    ).get_data(as_text=True)
    assert "The start date is after the end date" in swapped


def test_members_see_the_statistics(seeded, web, make_user, login):
    make_user("member@example.com", role="member")
    login("member@example.com")
    response = web.get("/stats")
    assert response.status_code == 200
    assert "Actions by transaction type" in response.get_data(as_text=True)
