"""``flask run-batch``: send every unposted transaction of a kind, wait and print progress."""

from __future__ import annotations

import threading
import time

import click
from flask import current_app

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchTransaction, QBOConfiguration

# What the command takes, and the batch kind it means (inventory batches are "products").
KIND_NAMES = {"invoices": "invoices", "expenses": "expenses", "inventory": "products"}
POLL_SECONDS = 1.0


def find_config(wanted: str | None) -> QBOConfiguration:
    """Return the configuration named or numbered ``wanted`` (the default when None)."""
    configs = QBOConfiguration.ordered()
    if not configs:
        raise click.UsageError("There is no QuickBooks configuration yet: create one first.")
    if wanted is None:
        default = next((c for c in configs if c.is_default), configs[0])
        return default
    key = wanted.strip().lower()
    for config in configs:
        if str(config.id) == key or config.name.lower() == key:
            return config
    names = ", ".join(f"{c.id} ({c.name})" for c in configs)
    raise click.UsageError(f"No configuration is called {wanted!r}. Use one of: {names}.")


def unposted_ids(kind: str, location_id: int | None) -> tuple[list[str], int]:
    """Return the ids of the unposted rows that can go into a batch, and how many cannot."""
    from cwqbo.batches.service import claimed
    from cwqbo.batches.unposted import list_unposted

    rows = list_unposted(kind, location_id, refresh=True).rows
    held = claimed(kind, [r.manage_id for r in rows])
    usable = [r.manage_id for r in rows if not r.problems and r.manage_id not in held]
    return usable, len(rows) - len(usable)


def counts(batch_id: int) -> dict[str, int]:
    rows = db.session.execute(
        db.select(BatchTransaction.state, db.func.count())
        .where(BatchTransaction.batch_id == batch_id)
        .group_by(BatchTransaction.state)
    )
    by_state = dict(rows.all())
    done = sum(by_state.get(s, 0) for s in (BatchTransaction.BATCHED, BatchTransaction.SKIPPED))
    failed = by_state.get(BatchTransaction.FAILED, 0)
    return {"done": done, "failed": failed, "total": sum(by_state.values())}


def progress_line(identifier: str, c: dict[str, int]) -> str:
    left = c["total"] - c["done"] - c["failed"]
    return f"{identifier}: {c['done']} of {c['total']} done, {c['failed']} failed, {left} to go"


class Progress(threading.Thread):
    """Print the batch's counts whenever they change, until told to stop."""

    def __init__(self, app, batch_id: int, identifier: str) -> None:
        super().__init__(daemon=True)
        self.app, self.batch_id, self.identifier = app, batch_id, identifier
        self.stopped = threading.Event()
        self.last: str | None = None

    def show(self) -> None:
        with self.app.app_context():
            line = progress_line(self.identifier, counts(self.batch_id))
        if line != self.last:
            click.echo(line)
            self.last = line

    def run(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            self.show()


def run_to_end(batch: Batch, timeout: float) -> Batch:
    """Run the batch in this process (or wait for the worker that holds it) until it ends."""
    from cwqbo.batches.execution import execute

    app = current_app._get_current_object()
    progress = Progress(app, batch.id, batch.identifier)
    progress.start()
    stop = threading.Event()
    try:
        deadline = _clock() + timeout
        while True:
            result = execute(batch.id)
            db.session.expire_all()
            current = db.session.get(Batch, batch.id)
            if current.ended:
                return current
            if _clock() >= deadline:
                raise click.ClickException(
                    f"{batch.identifier} has not ended after {timeout:.0f} s; the workers go "
                    "on with it. Follow it on its status page (Review Existing Batch)."
                )
            if result["outcome"] in ("skipped", "lost-lock"):
                stop.wait(POLL_SECONDS)  # a worker has it: wait for that worker
    finally:
        progress.stopped.set()
        progress.join()
        progress.show()


def _clock() -> float:
    return time.monotonic()


def report(batch: Batch) -> int:
    """Print how the batch ended and each failed transaction; return the exit code."""
    url = current_app.config.get("PUBLIC_URL", "").rstrip("/") + f"/batches/{batch.identifier}"
    click.echo(f"{batch.identifier} ended: {batch.message}")
    failed = db.session.scalars(
        db.select(BatchTransaction)
        .where(
            BatchTransaction.batch_id == batch.id,
            BatchTransaction.state == BatchTransaction.FAILED,
        )
        .order_by(BatchTransaction.position)
    ).all()
    for tx in failed:
        reasons = [f"{p.get('message', '')} {p.get('fix', '')}".strip() for p in tx.problems or []]
        click.echo(f"  FAILED {tx.number or tx.manage_id}: " + (" ".join(reasons) or tx.message))
    click.echo(f"Status page: {url}")
    return 1 if failed or batch.status != Batch.SUCCEEDED else 0
