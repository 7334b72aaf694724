"""pairings of Manage companies / members / vendors with QBO customers / vendors; the
Contacts tab's name-collision suffix

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pairings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "config_id",
            sa.Integer(),
            sa.ForeignKey("qbo_configurations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("manage_kind", sa.String(16), nullable=False),
        sa.Column("manage_id", sa.String(64), nullable=False),
        sa.Column("manage_name", sa.String(500), nullable=False, server_default=""),
        sa.Column("qbo_entity", sa.String(16), nullable=False),
        sa.Column("qbo_id", sa.String(64), nullable=False),
        sa.Column("qbo_name", sa.String(500), nullable=False, server_default=""),
        sa.Column("how", sa.String(32), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("config_id", "manage_kind", "manage_id"),
    )
    op.create_index("ix_pairings_config_id", "pairings", ["config_id"])
    with op.batch_alter_table("configuration_options") as batch:
        batch.add_column(
            sa.Column("collision_suffix", sa.String(20), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("configuration_options") as batch:
        batch.drop_column("collision_suffix")
    op.drop_index("ix_pairings_config_id", table_name="pairings")
    op.drop_table("pairings")
