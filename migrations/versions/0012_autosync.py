"""AutoSync settings per configuration and the transactions it set aside

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _config_fk():
    return sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE")


def upgrade():
    op.create_table(
        "autosync_settings",
        sa.Column("config_id", sa.Integer(), _config_fk(), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False, server_default="120"),
        sa.Column("location_id", sa.String(64)),
        sa.Column("location_name", sa.String(255)),
        sa.Column("last_started_at", sa.DateTime()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "autosync_parked",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("config_id", sa.Integer(), _config_fk(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("manage_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id", ondelete="SET NULL")),
        sa.Column(
            "transaction_id",
            sa.Integer(),
            sa.ForeignKey("batch_transactions.id", ondelete="SET NULL"),
        ),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("parked_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("config_id", "kind", "manage_id"),
    )
    op.create_index("ix_autosync_parked_config_id", "autosync_parked", ["config_id"])


def downgrade():
    op.drop_index("ix_autosync_parked_config_id", table_name="autosync_parked")
    op.drop_table("autosync_parked")
    op.drop_table("autosync_settings")
