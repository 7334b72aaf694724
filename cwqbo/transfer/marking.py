"""Manage step of a run: each transaction becomes its own accounting batch, once."""

from __future__ import annotations

from typing import Any

from cwqbo.connectwise import ManageError
from cwqbo.transfer.steps import (
    BAD,
    BATCHED,
    IN_QBO,
    MARK_ATTEMPTS,
    OK,
    RUNNING,
    SKIPPED,
    Steps,
    Tx,
)


class ManageSteps(Steps):
    """Step 5: mark batched in Manage, only what QBO holds (or needs nothing from QBO)."""

    manage: Any
    mark_only: bool
    backoff: float

    # --- 5. mark batched in Manage, one batch per transaction -----------------------------
    def _mark_in_manage(self, txs: list[Tx]) -> None:
        for tx in txs:
            self._mark_one(tx)

    def _mark_one(self, tx: Tx) -> None:
        if tx.export is None:  # no longer unposted: already dealt with when Manage was read
            return
        ident = tx.manage_batch_identifier
        label = f"{self.kind.label(tx)} → batch {ident}"
        self.store.action("manage", f"tx:{tx.id}", label, RUNNING, tx=tx)
        ids = self.kind.record_ids(tx.export)
        error: ManageError | None = None
        batch: dict | None = None
        for attempt in range(MARK_ATTEMPTS):
            try:
                batch = self.manage.create_batch(ident, ids, kind=self.kind.name)
                break
            except ManageError as exc:
                # The POST may have landed before the error (a dropped answer): look first,
                # and only send again when Manage has no batch of that name.
                error, batch = exc, self._find_manage_batch(tx)
                if batch is not None or not exc.retryable:
                    break
                self.sleep(min(2.0**attempt, 10.0) * self.backoff)
        if batch is None:
            message = f"ConnectWise did not mark it batched: {error}"
            self.store.action("manage", f"tx:{tx.id}", label, BAD, tx=tx, message=message)
            # _fail keeps an in_qbo transaction in_qbo: a retry then only marks it.
            self._fail(tx, message + (" A retry only marks it." if tx.state == IN_QBO else ""))
            return
        self._batched(tx, batch)

    def _find_manage_batch(self, tx: Tx) -> dict | None:
        try:
            return self.manage.find_batch(tx.manage_batch_identifier)
        except ManageError:
            return None

    def _batched(self, tx: Tx, batch: dict, adopted: bool = False) -> None:
        skip = tx.plan is not None and tx.plan.skip_reason
        state = SKIPPED if skip and tx.state != IN_QBO else BATCHED
        message = skip if state == SKIPPED else "Marked batched in ConnectWise"
        if self.mark_only:
            state, message = SKIPPED, "Marked as already exported; not sent to QuickBooks"
        if adopted:
            message += " (the batch already existed; not created again)"
        label = f"{self.kind.label(tx)} → batch {tx.manage_batch_identifier}"
        self.store.action("manage", f"tx:{tx.id}", label, OK, tx=tx, message=message)
        if skip and state == SKIPPED and not self.mark_only:
            self.store.log(f"{self.kind.label(tx)}: {skip}", tx=tx)
        self._set(tx, state, manage_batch_id=batch.get("id"), message=message)
