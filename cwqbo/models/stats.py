"""Indexes that keep Sync Statistics fast at 100,000 transactions (spec F1).

The statistics count batch transactions by type and state, for batches of one
configuration in a date range: the two composite indexes cover that query.
"""

import sqlalchemy as sa

from cwqbo.models.batch import Batch, BatchTransaction

STATS_INDEXES = (
    sa.Index("ix_batches_config_created", Batch.config_id, Batch.created_at),
    sa.Index(
        "ix_batch_transactions_stats",
        BatchTransaction.batch_id,
        BatchTransaction.kind,
        BatchTransaction.state,
    ),
)
