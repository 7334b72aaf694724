"""payment sync: per-configuration settings and watermark, Manage payments written

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:15:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment_sync_settings",
        sa.Column("config_id", sa.Integer(), nullable=False),
        sa.Column("time_of_day", sa.String(length=5), nullable=False),
        sa.Column("watermark", sa.DateTime(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["config_id"], ["qbo_configurations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["last_run_id"], ["batches.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("config_id"),
    )
    op.create_table(
        "payment_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("config_id", sa.Integer(), nullable=False),
        sa.Column("manage_invoice_id", sa.Integer(), nullable=False),
        sa.Column("qbo_invoice_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("qbo_txns", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("manage_payment_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["config_id"], ["qbo_configurations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("manage_invoice_id", "source"),
    )
    with op.batch_alter_table("payment_links") as batch_op:
        batch_op.create_index("ix_payment_links_config_id", ["config_id"])
        batch_op.create_index("ix_payment_links_manage_invoice_id", ["manage_invoice_id"])


def downgrade():
    with op.batch_alter_table("payment_links") as batch_op:
        batch_op.drop_index("ix_payment_links_manage_invoice_id")
        batch_op.drop_index("ix_payment_links_config_id")
    op.drop_table("payment_links")
    op.drop_table("payment_sync_settings")
