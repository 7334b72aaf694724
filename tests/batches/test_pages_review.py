"""Review Existing Batch: by Batch ID, by a transaction's Manage batch id, recent batches (D7)."""

from __future__ import annotations

import re
from datetime import datetime

from pages_support import make_batch, text

REVIEW = "/batches/review"


def listed(html: str) -> list[str]:
    return re.findall(r'<td><a href="/batches/([A-Z]{3}-\d{6})">', html)


def test_open_a_batch_by_its_batch_id(app, connected):
    identifier = make_batch(app, status="succeeded", transactions=[{"state": "batched"}])
    response = connected.get(f"{REVIEW}?batch_id={identifier.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/batches/{identifier}"


def test_open_a_batch_by_a_transactions_manage_batch_id(app, connected):
    identifier = make_batch(
        app,
        status="succeeded",
        transactions=[
            {"state": "batched", "manage_batch_identifier": "2025-05-31-I10001"},
            {"state": "batched", "manage_batch_identifier": "2025-05-31-I10045"},
        ],
    )
    response = connected.get(f"{REVIEW}?batch_id=+2025-05-31-I10045+")
    assert response.status_code == 302
    assert re.fullmatch(rf"/batches/{identifier}#tx-\d+", response.headers["Location"])


def test_an_unknown_batch_id_says_so(connected):
    response = connected.get(f"{REVIEW}?batch_id=INV-424242")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No batch has the Batch ID INV-424242." in text(html)
    assert 'value="INV-424242"' in html


def test_recent_batches_newest_first_with_filters(app, connected):
    from cwqbo.extensions import db
    from cwqbo.models import QBOConfiguration

    with app.app_context():
        db.session.add(QBOConfiguration(name="Canada"))
        db.session.commit()
    may = make_batch(app, status="succeeded", created_at=datetime(2025, 5, 3, 9), transactions=[{}])
    june = make_batch(
        app,
        status="failed",
        created_at=datetime(2025, 6, 10, 15),
        transactions=[{"state": "failed", "manage_id": "880002"}],
    )
    canada = make_batch(
        app, status="running", config_id=2, created_at=datetime(2025, 6, 20, 8), transactions=[]
    )
    marked = make_batch(
        app, status="succeeded", mode="mark_exported", created_at=datetime(2025, 7, 1, 8)
    )

    page = connected.get(REVIEW).get_data(as_text=True)
    assert listed(page) == [marked, canada, june, may]
    assert marked.startswith("MRK-") and "(marked as exported)" in page
    assert "Completed with failures" in page

    def only(query: str) -> list[str]:
        response = connected.get(f"{REVIEW}?{query}")
        assert response.status_code == 200
        return listed(response.get_data(as_text=True))

    assert only("status=failed") == [june]
    assert only("status=running") == [canada]
    assert only("config_id=2") == [canada]
    assert only("kind=invoices&config_id=1") == [marked, june, may]
    assert only("kind=expenses") == []
    assert only("date_from=2025-06-01&date_to=2025-06-20") == [canada, june]
    assert only("date_to=2025-05-03") == [may]
    assert only("date_from=not-a-date") == [marked, canada, june, may]


def test_recent_batches_come_in_pages(app, connected):
    made = [
        make_batch(app, status="succeeded", created_at=datetime(2025, 1, 1 + n, 12))
        for n in range(27)
    ]
    first = connected.get(REVIEW).get_data(as_text=True)
    assert listed(first) == made[::-1][:25]
    assert "Page 1 of 2" in first and "27 batches" in first
    second = connected.get(f"{REVIEW}?page=2").get_data(as_text=True)
    assert listed(second) == made[::-1][25:]
    odd = connected.get(f"{REVIEW}?status=succeeded&endpoint=x&_external=1")
    assert odd.status_code == 200
    filtered = odd.get_data(as_text=True)
    assert "page=2&amp;status=succeeded" in filtered or "status=succeeded&amp;page=2" in filtered
