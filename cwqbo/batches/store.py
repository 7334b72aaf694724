"""The runner's store on the database: every step is committed the moment it happens.

Inside ``grouped()`` the writes are committed together when the group ends (the runner groups
the writes it makes between two API calls: cwqbo/transfer/steps.py ``Steps._grouped``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from cwqbo.extensions import db
from cwqbo.models import Batch, BatchAction, BatchLog, BatchTransaction
from cwqbo.models.pairing import Pairing
from cwqbo.models.user import utcnow
from cwqbo.transfer.steps import Tx

FINISHED_ACTION_STATES = (BatchAction.SUCCEEDED, BatchAction.FAILED)
# A transaction reaching one of these states is progress made by this run.
PROGRESS_STATES = (*BatchTransaction.FINAL, BatchTransaction.IN_QBO, BatchTransaction.FAILED)
# Another batch's row in one of these states has the transaction: in QBO or batched there.
TAKEN = (
    BatchTransaction.BATCHED,
    BatchTransaction.SKIPPED,
    BatchTransaction.IN_QBO,
    BatchTransaction.SENDING,
)


class RunStopped(BaseException):  # noqa: N818  (a signal to stop, like KeyboardInterrupt)
    """Stop the run at a safe point, before a step's API call: ``reason`` says why.

    A BaseException, so no ``except Exception`` in a step can swallow it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DatabaseStore:
    """Persist one batch's progress (spec D5/D6); the status page reads these rows."""

    def __init__(self, batch: Batch, checkpoint: Callable[[DatabaseStore], None] | None = None):
        self.batch_id = batch.id
        self._positions: dict[str, int] = {}
        # The action rows this run wrote, by (section, key): one look-up each instead of a
        # SELECT per write (a row not held any more, e.g. after a rollback, is looked up).
        self._actions: dict[tuple[str, str], BatchAction] = {}
        # Called before every step starts (nothing of the step sent yet): it may raise
        # RunStopped to end this job cleanly; the rows say where the next one resumes.
        self.checkpoint = checkpoint
        self.progress = 0  # transactions that moved to in_qbo, final or failed in this run
        self._held = 0  # depth of grouped(): commit only when the outermost group ends

    @contextlib.contextmanager
    def grouped(self) -> Iterator[None]:
        """Commit the writes made inside once, when the group ends (also on an exception)."""
        self._held += 1
        try:
            yield
        except BaseException:  # RunStopped, a crash: keep what was written, then go on out
            self._held -= 1
            if not self._held:
                try:
                    db.session.commit()
                except Exception:  # the session itself failed: the caller rolls back
                    db.session.rollback()
            raise
        self._held -= 1
        if not self._held:
            db.session.commit()

    def _commit(self) -> None:
        if not self._held:
            db.session.commit()

    def pending(self) -> list[Tx]:
        rows = db.session.scalars(
            db.select(BatchTransaction)
            .where(
                BatchTransaction.batch_id == self.batch_id,
                BatchTransaction.state.not_in(BatchTransaction.FINAL),
            )
            .order_by(BatchTransaction.position)
        ).all()
        rows = self._not_taken(rows)
        previous = self._previous_documents(rows)
        return [
            Tx(
                id=row.id,
                manage_id=row.manage_id,
                record_id=row.manage_record_id,
                number=row.number,
                state=row.state,
                manage_batch_identifier=row.manage_batch_identifier or "",
                qbo_entity=row.qbo_entity,
                qbo_id=row.qbo_id,
                manage_batch_id=row.manage_batch_id,
                previous=previous.get(row.manage_id),
            )
            for row in rows
        ]

    def _not_taken(self, rows: list[BatchTransaction]) -> list[BatchTransaction]:
        """Drop the rows another batch has since taken: never adopt what it sent (issue 13 §5).

        One sent (or marked exported) by a later batch ends here as ``elsewhere``, naming
        that batch; one a later batch holds right now is left as it is, not run.
        """
        if not rows:
            return rows
        taken: dict[str, tuple[BatchTransaction, Batch]] = {}
        later = db.session.execute(
            db.select(BatchTransaction, Batch)
            .join(Batch, Batch.id == BatchTransaction.batch_id)
            .where(
                BatchTransaction.kind == rows[0].kind,
                BatchTransaction.manage_id.in_([r.manage_id for r in rows]),
                BatchTransaction.batch_id != self.batch_id,
                BatchTransaction.id > min(r.id for r in rows),
                db.or_(BatchTransaction.claim.is_not(None), BatchTransaction.state.in_(TAKEN)),
            )
            .order_by(BatchTransaction.id)
        ).all()
        for other, batch in later:
            taken[other.manage_id] = (other, batch)
        keep = []
        for row in rows:
            found = taken.get(row.manage_id)
            if found is None or found[0].id < row.id:
                keep.append(row)
                continue
            other, batch = found
            if other.claim is not None and other.state not in TAKEN:
                row.message = f"Not run here: it is now in batch {batch.identifier}."
                continue
            if batch.mode == Batch.MARK_EXPORTED:
                row.message = f"Marked as already exported in batch {batch.identifier}."
            else:
                row.message = f"Sent in batch {batch.identifier}."
            row.state, row.claim = BatchTransaction.ELSEWHERE, None
            db.session.add(
                BatchLog(
                    batch_id=self.batch_id,
                    transaction_id=row.id,
                    level="warning",
                    message=f"{row.number}: {row.message} Not sent or adopted by this batch.",
                )
            )
        db.session.commit()
        return keep

    def _previous_documents(self, rows: list[BatchTransaction]) -> dict[str, dict]:
        if not rows:
            return {}
        return previous_documents(rows[0].kind, [r.manage_id for r in rows])

    def update(self, tx: Tx, **fields: Any) -> None:
        row = db.session.get(BatchTransaction, tx.id)
        if fields.get("state") in PROGRESS_STATES and fields["state"] != row.state:
            self.progress += 1
        for name, value in fields.items():
            setattr(row, name, value)
        if row.state in BatchTransaction.FINAL:
            row.claim = None  # free: Manage no longer lists it, or it may be sent again
        elif row.state == BatchTransaction.FAILED and not row.qbo_id:
            row.claim = None  # nothing of it in QBO: it may be selected again elsewhere
        self._commit()

    def action(self, section: str, key: str, label: str, state: str, **fields: Any) -> None:
        if state == BatchAction.RUNNING and self.checkpoint is not None:
            self.checkpoint(self)
        tx = fields.pop("tx", None)
        row = self._action_row(section, key)
        now = utcnow()
        if row is None:
            row = BatchAction(
                batch_id=self.batch_id,
                section=section,
                key=key,
                position=self._next_position(section),
                transaction_id=tx.id if tx is not None else None,
            )
            db.session.add(row)
            self._actions[(section, key)] = row
        row.label, row.state = label, state
        if state == BatchAction.RUNNING:
            row.started_at, row.finished_at = now, None
            row.message = fields.pop("message", "")
        elif state in FINISHED_ACTION_STATES:
            row.started_at = row.started_at or now
            row.finished_at = now
        for name, value in fields.items():
            setattr(row, name, value)
        self._commit()

    def _action_row(self, section: str, key: str) -> BatchAction | None:
        row = self._actions.get((section, key))
        if row is not None and row in db.session:
            return row
        with db.session.no_autoflush:
            row = db.session.scalar(
                db.select(BatchAction).where(
                    BatchAction.batch_id == self.batch_id,
                    BatchAction.section == section,
                    BatchAction.key == key,
                )
            )
        if row is not None:
            self._actions[(section, key)] = row
        return row

    def _next_position(self, section: str) -> int:
        if section not in self._positions:
            highest = db.session.scalar(
                db.select(db.func.max(BatchAction.position)).where(
                    BatchAction.batch_id == self.batch_id, BatchAction.section == section
                )
            )
            self._positions[section] = highest or 0
        self._positions[section] += 1
        return self._positions[section]

    def pair(
        self, kind: str, manage_id: str, manage_name: str, entity: str, qbo_id: str, name: str
    ) -> None:
        """Remember which QBO record a Manage party landed on (cwqbo.models.pairing)."""
        batch = db.session.get(Batch, self.batch_id)
        if batch is None or batch.config_id is None:
            return
        Pairing.remember(
            batch.config_id,
            kind,
            manage_id,
            manage_name=manage_name,
            qbo_entity=entity,
            qbo_id=qbo_id,
            qbo_name=name,
            how="batch",
        )
        self._commit()

    def log(self, message: str, *, level: str = "info", tx: Tx | None = None) -> None:
        db.session.add(
            BatchLog(
                batch_id=self.batch_id,
                transaction_id=tx.id if tx is not None else None,
                level=level,
                message=message,
            )
        )
        self._commit()


def previous_documents(kind: str, manage_ids: list[str]) -> dict[str, dict]:
    """Return {manage_id: QBO document} left by earlier transfers, since unbatched."""
    earlier = db.session.scalars(
        db.select(BatchTransaction)
        .where(
            BatchTransaction.kind == kind,
            BatchTransaction.manage_id.in_(manage_ids),
            BatchTransaction.state == BatchTransaction.UNBATCHED,
            BatchTransaction.qbo_id.is_not(None),
        )
        .order_by(BatchTransaction.id)
    ).all()
    return {
        r.manage_id: {"entity": r.qbo_entity, "id": r.qbo_id, "voided": r.qbo_voided}
        for r in earlier
    }
