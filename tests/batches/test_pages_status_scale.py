"""The batch status page scales (issue 14 §3): the poll carries only the summary, whose size
does not grow with the batch, computed with GROUP BY (never the rows); it answers 304 when
nothing changed; every row stays reachable 100 at a time."""

from __future__ import annotations

import re

import pytest
from pages_support import HX, make_batch, set_status, text
from sqlalchemy import event

KIB = 1024


def big_batch(app, count: int, status: str = "running") -> str:
    """A batch caught mid-run: a tenth of its invoices failed, half batched, the rest waiting;
    two actions (document, mark) per invoice."""
    transactions, actions = [], []
    for n in range(count):
        state = "failed" if n % 10 == 3 else "batched" if n < count // 2 else "selected"
        problems = [{"message": f"Item X{n} is missing", "fix": "Map it", "where": "QBO"}]
        transactions.append(
            {
                "number": str(20000 + n),
                "manage_id": str(700000 + n),
                "state": state,
                "problems": problems if state == "failed" else [],
            }
        )
        document = {"failed": "failed", "batched": "succeeded"}.get(state, "not_started")
        actions.append(
            {"section": "documents", "label": f"Invoice {20000 + n}", "state": document, "tx": n}
        )
        mark = "succeeded" if state == "batched" else "not_started"
        actions.append(
            {"section": "manage", "label": f"Mark {20000 + n} batched", "state": mark, "tx": n}
        )
    return make_batch(app, status=status, transactions=transactions, actions=actions)


@pytest.fixture
def batches(app, connected):
    return {count: big_batch(app, count) for count in (100, 1000)}


def poll(client, identifier: str, **headers):
    return client.get(f"/batches/{identifier}/progress", headers={**HX, **headers})


def reach_all(client, identifier: str, key: str, row: str) -> list[str]:
    """Follow the section's pages until the last; return every row's first cell."""
    seen, page = [], 1
    while True:
        url = f"/batches/{identifier}/sections/{key}?page={page}"
        html = client.get(url, headers=HX).get_data(as_text=True)
        rows = re.findall(rf"<tr {row}[^>]*>\s*<td>([^<]+)</td>", html)
        assert len(rows) <= 100
        seen += rows
        if "Next 100 ›" not in html:
            return seen
        page += 1


def test_the_poll_does_not_grow_with_the_batch_and_every_row_stays_reachable(
    app, connected, batches
):
    sizes = {}
    for count, identifier in batches.items():
        response = poll(connected, identifier)
        assert response.status_code == 200
        sizes[count] = len(response.data)
        page = text(response.get_data(as_text=True))
        assert f"{count * 55 // 100} of {count:,} invoices finished" in page
        assert f"{count * 45 // 100} batched {count // 10} failed" in page
        assert "<tr" not in response.get_data(as_text=True)  # no table rides on the poll
    print(f"poll bytes by batch size: {sizes}")
    assert sizes[1000] <= 10 * KIB, sizes
    assert sizes[1000] <= 1.2 * sizes[100], sizes

    identifier = batches[1000]
    numbers = reach_all(connected, identifier, "transactions", 'id="tx-')
    assert len(numbers) == 1000 and len(set(numbers)) == 1000
    assert numbers[:100] == [str(20000 + n) for n in range(1000) if n % 10 == 3]  # failed first
    for key in ("documents", "manage"):
        labels = reach_all(connected, identifier, key, 'class="action')
        assert len(labels) == 1000 and len(set(labels)) == 1000, key

    failed = connected.get(
        f"/batches/{identifier}/sections/transactions?failed=1&page=1", headers=HX
    ).get_data(as_text=True)
    assert len(re.findall(r'<tr id="tx-', failed)) == 100
    assert "Next 100 ›" not in failed and "Failed only" in failed


def test_the_summary_is_counted_in_sql_not_by_loading_rows(app, connected, batches):
    from cwqbo.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert poll(connected, batches[1000]).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    rows = [s for s in statements if re.search(r"FROM batch_(transactions|actions)\b", s)]
    assert len(rows) == 2, rows
    assert all("GROUP BY" in s and "count(" in s for s in rows), rows
    assert len(statements) <= 8, statements


def test_the_poll_answers_304_while_nothing_changed_and_200_after_a_change(app, connected):
    identifier = big_batch(app, 20)
    first = poll(connected, identifier)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert "no-cache" in first.headers["Cache-Control"]
    assert re.fullmatch(r"app;dur=[\d.]+", first.headers["Server-Timing"])

    same = poll(connected, identifier, **{"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert same.headers["ETag"] == etag

    # An invoice finishes: new counts, a new ETag, the new content.
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchTransaction

    with app.app_context():
        batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
        tx = next(t for t in batch.transactions if t.state == "selected")
        tx.state = BatchTransaction.BATCHED
        db.session.commit()
    before = text(first.get_data(as_text=True))
    changed = poll(connected, identifier, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    after = text(changed.get_data(as_text=True))
    assert "11 of 20 invoices finished" in before and "12 of 20 invoices finished" in after

    # The batch ends: 200 again, and the summary no longer polls.
    set_status(app, identifier, "failed")
    ended = poll(connected, identifier, **{"If-None-Match": changed.headers["ETag"]})
    assert ended.status_code == 200
    assert "hx-trigger" not in ended.get_data(as_text=True)
    assert "Retry failed transactions" in ended.get_data(as_text=True)


def test_a_section_that_is_not_there_is_a_clear_404(app, connected):
    identifier = big_batch(app, 3)
    missing = connected.get(f"/batches/{identifier}/sections/nowhere", headers=HX)
    assert missing.status_code == 404
    assert "has no section" in missing.get_data(as_text=True)
    hostile = connected.get(f"/batches/{identifier}/sections/<script>x</script>", headers=HX)
    assert hostile.status_code == 404 and "<script>x" not in hostile.get_data(as_text=True)
    beyond = connected.get(f"/batches/{identifier}/sections/transactions?page=99", headers=HX)
    assert beyond.status_code == 200 and '<tr id="tx-' not in beyond.get_data(as_text=True)
    # Without HTMX (a pager link followed with scripts off) the rows come on a page.
    plain = connected.get(f"/batches/{identifier}/sections/transactions?page=2")
    assert plain.status_code == 200 and "<html" in plain.get_data(as_text=True)
    odd = connected.get(f"/batches/{identifier}/sections/documents?page=abc")
    assert odd.status_code == 200


def test_open_long_lists_redraw_on_failures_and_tenths_not_every_change(app, batches):
    """50 watchers of an open 1,000-row list must not each reload it every second: its
    stamp moves on a new failure or a tenth more finished (the summary's ETag on any change)."""
    from cwqbo.batches.summary import summarize
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchTransaction

    def stamps(identifier):
        with app.test_request_context():
            batch = db.session.scalar(db.select(Batch).where(Batch.identifier == identifier))
            counts = summarize(batch)
            return counts.tx_stamp, counts.version(), batch.id

    def move(batch_id, state):
        with app.app_context():
            tx = db.session.scalar(
                db.select(BatchTransaction)
                .where(BatchTransaction.batch_id == batch_id, BatchTransaction.state == "selected")
                .limit(1)
            )
            tx.state = state
            db.session.commit()

    rows, version, batch_id = stamps(batches[1000])
    move(batch_id, "batched")
    rows_after, version_after, _ = stamps(batches[1000])
    assert rows_after == rows and version_after != version
    move(batch_id, "failed")
    assert stamps(batches[1000])[0] != rows
    # A list that fits one page is redrawn at every change.
    small, _, small_id = stamps(batches[100])
    move(small_id, "batched")
    assert stamps(batches[100])[0] != small
