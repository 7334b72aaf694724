"""Two people submit overlapping selections at the same moment, on SQLite and on PostgreSQL:
the database's unique claim lets exactly one batch hold each invoice; the other submission is
refused with a message, never a 500 and never a second batch holding the same invoice."""

from __future__ import annotations

import threading

from pages_support import sample_invoices


def test_simultaneous_overlapping_submissions_claim_each_invoice_once(
    app, connected, manage, monkeypatch
):
    from cwqbo.batches import service
    from cwqbo.extensions import db
    from cwqbo.models import BatchTransaction, QBOConfiguration

    ids = [str(r["id"]) for r in sample_invoices(manage[1])[:6]]
    selections = [ids[:4], ids[2:]]  # invoices 2 and 3 are in both
    start = threading.Barrier(len(selections))
    # Both have passed the "already in a batch?" check and read Manage before either writes:
    # only the database's unique claim can tell them apart now.
    both_read = threading.Barrier(len(selections))
    fetch_rows = service.fetch_rows

    def fetch_then_wait(kind, manage_ids):
        rows = fetch_rows(kind, manage_ids)
        both_read.wait(10)
        return rows

    monkeypatch.setattr(service, "fetch_rows", fetch_then_wait)
    outcomes: list[tuple[str, str]] = [("none", "")] * len(selections)

    def submit(n: int) -> None:
        with app.app_context():
            config = db.session.get(QBOConfiguration, 1)
            start.wait(10)
            try:
                batch = service.create_batch(
                    "invoices",
                    config,
                    selections[n],
                    invoice_detail="summary",
                    location_id=None,
                    location_name=None,
                    user_id=None,
                )
                outcomes[n] = ("made", batch.identifier)
            except service.SelectionError as exc:
                outcomes[n] = ("refused", str(exc))
            except Exception as exc:  # anything else is the failure the assert shows
                outcomes[n] = ("error", repr(exc))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(selections))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(kind for kind, _ in outcomes) == ["made", "refused"], outcomes
    refusal = next(text for kind, text in outcomes if kind == "refused")
    assert "were just put in another batch. Refresh and select again." in refusal
    with app.app_context():
        rows = db.session.execute(
            db.select(BatchTransaction.manage_id, BatchTransaction.batch_id)
        ).all()
    held = [manage_id for manage_id, _ in rows]
    winner = next(n for n, (kind, _) in enumerate(outcomes) if kind == "made")
    assert sorted(held) == sorted(selections[winner])
    assert len({batch_id for _, batch_id in rows}) == 1  # nothing of the refused one stayed
