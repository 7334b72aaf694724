"""Item receipts: which receipt of its PO each selected one is, for its Manage batch id.

A purchase order received in parts is several unposted rows with one PO number. Each
becomes its own Manage batch, so each needs its own batch id: the first receipt of a PO
cwqbo ever batches keeps ``YYYY-mm-dd-P<PO number>``, the next ones get ``-2``, ``-3``…
(cwqbo.transfer.procurement.receipt_identifier). The rank comes from cwqbo's own rows, the
first batch a receipt appeared in, so a retry, a resume or a re-submit after unbatching
gives the same receipt the same number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from sqlalchemy import func

from cwqbo.extensions import db
from cwqbo.models import BatchTransaction
from cwqbo.transfer.procurement import natural, receipt_identifier

KIND = "products"


def receipt_identifiers(
    ids: Sequence[str],
    numbers: Mapping[str, str],
    day: date,
    base: Callable[[str, str, date], str],
) -> dict[str, str]:
    """Return {manage_id: Manage batch id} for the selected receipts (``numbers``: PO of each)."""
    wanted = sorted({numbers[i] for i in ids})
    first_seen = (
        db.select(
            BatchTransaction.number,
            BatchTransaction.manage_id,
            func.min(BatchTransaction.id).label("first"),
        )
        .where(BatchTransaction.kind == KIND, BatchTransaction.number.in_(wanted))
        .group_by(BatchTransaction.number, BatchTransaction.manage_id)
        .order_by("first")
    )
    order: dict[str, list[str]] = {n: [] for n in wanted}
    for number, manage_id, _first in db.session.execute(first_seen):
        order[number].append(manage_id)
    for manage_id in sorted(ids, key=natural):  # new receipts rank after the known ones
        if manage_id not in order[numbers[manage_id]]:
            order[numbers[manage_id]].append(manage_id)
    return {
        i: receipt_identifier(base(KIND, numbers[i], day), order[numbers[i]].index(i) + 1)
        for i in ids
    }
