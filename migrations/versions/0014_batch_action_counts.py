"""The batch status page's counts from an index: batch_actions (batch_id, section, state)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:10:00.000000

The polled summary counts a batch's actions by section and state on every poll (issue 14
§3); with this covering index SQLite and PostgreSQL count them from the index alone.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_batch_actions_counts", "batch_actions", ["batch_id", "section", "state"])


def downgrade():
    op.drop_index("ix_batch_actions_counts", table_name="batch_actions")
