"""connection health: token refresh time, expiry warnings sent, Manage's last good check

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("qbo_configurations") as batch:
        batch.add_column(sa.Column("tokens_refreshed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("expiry_alerts", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column(
                "renewed_by_keepalive", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("manage_connections") as batch:
        batch.add_column(sa.Column("last_ok_at", sa.DateTime(), nullable=True))
    # A connection that worked at its last check worked then.
    op.execute("UPDATE manage_connections SET last_ok_at = checked_at WHERE status = 'connected'")


def downgrade():
    with op.batch_alter_table("manage_connections") as batch:
        batch.drop_column("last_ok_at")
    with op.batch_alter_table("qbo_configurations") as batch:
        batch.drop_column("renewed_by_keepalive")
        batch.drop_column("expiry_alerts")
        batch.drop_column("tokens_refreshed_at")
