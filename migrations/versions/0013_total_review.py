"""Totals a bookkeeper can trust: the total difference options and the review flag

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("configuration_options") as batch:
        batch.add_column(
            sa.Column("total_difference", sa.String(8), nullable=False, server_default="flag")
        )
        batch.add_column(
            sa.Column("total_tolerance", sa.String(16), nullable=False, server_default="0.05")
        )
        batch.add_column(sa.Column("adjustment_item_id", sa.String(64)))
        batch.add_column(sa.Column("adjustment_item_name", sa.String(255)))
    with op.batch_alter_table("batch_transactions") as batch:
        batch.add_column(sa.Column("review", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("batch_transactions") as batch:
        batch.drop_column("review")
    with op.batch_alter_table("configuration_options") as batch:
        batch.drop_column("adjustment_item_name")
        batch.drop_column("adjustment_item_id")
        batch.drop_column("total_tolerance")
        batch.drop_column("total_difference")
