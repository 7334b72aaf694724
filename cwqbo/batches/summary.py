"""The batch status page read in small pieces (issue 14 §3, issue 17): a summary computed with
aggregate SQL (COUNT … GROUP BY state) for the poll, and one page of a section's actions or
of the batch's transactions for the tables opened on demand.

Nothing here loads every row of a batch: the summary costs two GROUP BY queries whatever the
batch's size, and a page is at most PAGE_SIZE rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cwqbo.batches.report import (
    ALWAYS_SHOWN,
    DOCUMENT_LABELS,
    SECTIONS,
    STATE_LABELS,
    STATE_TONES,
    TX_FINISHED,
    Progress,
    _section_state,
)
from cwqbo.extensions import db
from cwqbo.models import Batch, BatchAction, BatchTransaction
from cwqbo.wording import plural

PAGE_SIZE = 100
TRANSACTIONS = "transactions"  # the key of the transactions list (not a runner section)

# What a succeeded action of a section did, for "Customers · 12 created, 1 failed".
DONE_WORDS = {
    "validation": "checked",
    "documents": "sent",
    "manage": "marked",
    "qbo": "read",
    "payments": "written",
}
ACTION_WORDS = (
    (BatchAction.FAILED, "failed"),
    (BatchAction.RUNNING, "running"),
    (BatchAction.NOT_STARTED, "waiting"),
)
# How the counts of transactions read in the summary, in this order.
TX_WORDS = (
    (BatchTransaction.BATCHED, "batched"),
    (BatchTransaction.SKIPPED, "batched with nothing to send"),
    (BatchTransaction.FAILED, "failed"),
    (BatchTransaction.SENDING, "being sent"),
    (BatchTransaction.IN_QBO, "in QuickBooks, to be marked"),
    (BatchTransaction.VALIDATED, "validated"),
    (BatchTransaction.SELECTED, "waiting"),
    (BatchTransaction.UNBATCHED, "unbatched"),
    (BatchTransaction.ELSEWHERE, "sent in another batch"),
)


@dataclass
class SectionSummary:
    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    shown: bool = True

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def state(self) -> str:
        return _section_state([_State(s) for s, n in self.counts.items() if n])

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def tone(self) -> str:
        return STATE_TONES[self.state]

    @property
    def failed(self) -> bool:
        return self.counts.get(BatchAction.FAILED, 0) > 0

    @property
    def words(self) -> str:
        """ "12 created, 1 failed, 3 waiting" (empty when the section has no actions)."""
        parts = []
        done = self.counts.get(BatchAction.SUCCEEDED, 0)
        if done:
            parts.append(f"{done:,} {DONE_WORDS.get(self.key, 'created')}")
        parts += [f"{self.counts[s]:,} {w}" for s, w in ACTION_WORDS if self.counts.get(s)]
        return ", ".join(parts)

    @property
    def exact(self) -> str:
        """Its counts, exactly (the poll's ETag is made of these)."""
        return _exact(self.counts)

    @property
    def stamp(self) -> str:
        """When an open section's rows are drawn again (js/batch.js): at every change while
        they fit a page, else when a failure appears or a tenth more is finished."""
        return _rows_stamp(self.counts, (BatchAction.SUCCEEDED, BatchAction.FAILED))


@dataclass(frozen=True)
class _State:
    state: str


def _exact(counts: dict[str, int]) -> str:
    return ".".join(f"{s}{n}" for s, n in sorted(counts.items()))


def _rows_stamp(counts: dict[str, int], finished, *extra: object) -> str:
    """The exact counts while the rows fit one page; beyond, the failures and the tenths
    finished, so 50 watchers of an open 1,000-row list do not reload it every second."""
    total = sum(counts.values())
    if total <= PAGE_SIZE:
        return ".".join([_exact(counts), *map(str, extra)])
    done = sum(n for state, n in counts.items() if state in finished)
    return ".".join([f"f{counts.get('failed', 0)}", f"p{done * 10 // total}", *map(str, extra)])


@dataclass
class Summary:
    """Everything the polled summary shows, from aggregate queries."""

    tx_counts: dict[str, int]
    reviews: int  # batched transactions that need a look in QuickBooks
    sections: list[SectionSummary]
    ended: bool = False

    @property
    def progress(self) -> Progress:
        counts = self.tx_counts
        actions = [n for s in self.sections for n in s.counts.values()]
        return Progress(
            actions_done=sum(
                s.counts.get(BatchAction.SUCCEEDED, 0) + s.counts.get(BatchAction.FAILED, 0)
                for s in self.sections
            ),
            actions_total=sum(actions),
            tx_done=sum(n for s, n in counts.items() if s in TX_FINISHED),
            tx_total=sum(counts.values()),
            tx_failed=counts.get(BatchTransaction.FAILED, 0),
            tx_batched=counts.get(BatchTransaction.BATCHED, 0)
            + counts.get(BatchTransaction.SKIPPED, 0),
            tx_elsewhere=counts.get(BatchTransaction.ELSEWHERE, 0),
        )

    @property
    def unfinished(self) -> int:
        return sum(n for s, n in self.tx_counts.items() if s not in BatchTransaction.FINAL)

    @property
    def batched(self) -> int:
        return self.tx_counts.get(BatchTransaction.BATCHED, 0) + self.tx_counts.get(
            BatchTransaction.SKIPPED, 0
        )

    def tx_words(self, noun: str) -> list[str]:
        """ "3 batched", "1 failed", "16 waiting": the transactions counted by state."""
        return [
            f"{self.tx_counts[state]:,} {words}"
            for state, words in TX_WORDS
            if self.tx_counts.get(state)
        ] or [f"no {plural(0, noun).split(' ', 1)[1]}"]

    @property
    def tx_stamp(self) -> str:
        """When the open list of transactions is drawn again (see SectionSummary.stamp);
        also once more when the batch ends, and after an unbatch."""
        unbatched = self.tx_counts.get(BatchTransaction.UNBATCHED, 0)
        return _rows_stamp(self.tx_counts, TX_FINISHED, f"u{unbatched}", f"e{int(self.ended)}")

    def version(self, *extra: object) -> str:
        """A stamp that changes whenever anything the summary shows changes."""
        parts = [_exact(self.tx_counts), f"r{self.reviews}"]
        parts += [f"{s.key}:{s.exact}" for s in self.sections]
        parts += map(str, extra)
        return hashlib.blake2s("|".join(parts).encode(), digest_size=12).hexdigest()


def section_labels(batch: Batch) -> dict[str, str]:
    labels = dict(SECTIONS)
    labels["documents"] = DOCUMENT_LABELS.get(batch.kind, labels["documents"])
    return labels


def always_shown(batch: Batch) -> set[str]:
    if batch.kind == "payments":
        return {"payments"}
    always = set(ALWAYS_SHOWN)
    if batch.mode == Batch.MARK_EXPORTED:
        always.discard("documents")  # nothing is sent to QuickBooks
    return always


def summarize(batch: Batch) -> Summary:
    """Count the batch's transactions and actions by state: two GROUP BY queries, each read
    from an index alone (ix_batch_transactions_stats, ix_batch_actions_counts)."""
    tx_rows = db.session.execute(
        db.select(BatchTransaction.state, db.func.count())
        .where(BatchTransaction.batch_id == batch.id)
        .group_by(BatchTransaction.state)
    ).all()
    action_rows = db.session.execute(
        db.select(BatchAction.section, BatchAction.state, db.func.count())
        .where(BatchAction.batch_id == batch.id)
        .group_by(BatchAction.section, BatchAction.state)
    ).all()
    grouped: dict[str, dict[str, int]] = {}
    for section, state, count in action_rows:
        grouped.setdefault(section, {})[state] = count
    labels = section_labels(batch)
    keys = [key for key, _ in SECTIONS]
    keys += sorted(k for k in grouped if k not in keys)  # a section this page does not know
    always = always_shown(batch)
    sections = [
        SectionSummary(
            key,
            labels.get(key, key.replace("_", " ").title()),
            grouped.get(key, {}),
            shown=key in grouped or key in always,
        )
        for key in keys
    ]
    return Summary(
        tx_counts=dict(tx_rows),
        reviews=_reviews(batch) if batch.status == Batch.SUCCEEDED else 0,
        sections=sections,
        ended=batch.ended,
    )


def _reviews(batch: Batch) -> int:
    """Batched transactions that need a look in QuickBooks (shown once the batch ended)."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(BatchTransaction)
        .where(
            BatchTransaction.batch_id == batch.id,
            BatchTransaction.state == BatchTransaction.BATCHED,
            BatchTransaction.review != "",
        )
    )


# --- pages of rows, opened on demand -----------------------------------------------------


def _failed_first(column):
    return db.case((column == "failed", 0), (column == "running", 1), else_=2)


def section_page(batch: Batch, key: str, page: int, failed_only: bool = False):
    """One page of a section's actions, failed ones first (a Flask-SQLAlchemy Pagination)."""
    query = db.select(BatchAction).where(
        BatchAction.batch_id == batch.id, BatchAction.section == key
    )
    if failed_only:
        query = query.where(BatchAction.state == BatchAction.FAILED)
    query = query.order_by(_failed_first(BatchAction.state), BatchAction.position, BatchAction.id)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False, count=True)


def transactions_page(batch: Batch, page: int, failed_only: bool = False):
    """One page of the batch's transactions, failed ones first."""
    query = db.select(BatchTransaction).where(BatchTransaction.batch_id == batch.id)
    if failed_only:
        query = query.where(BatchTransaction.state == BatchTransaction.FAILED)
    query = query.order_by(
        _failed_first(BatchTransaction.state), BatchTransaction.position, BatchTransaction.id
    )
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False, count=True)


def transactions_of(actions) -> dict[int, BatchTransaction]:
    """The transactions the actions of a page belong to, in one query."""
    ids = {a.transaction_id for a in actions if a.transaction_id}
    if not ids:
        return {}
    rows = db.session.scalars(db.select(BatchTransaction).where(BatchTransaction.id.in_(ids)))
    return {tx.id: tx for tx in rows}
