"""batch heartbeat and job id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("job_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_batches_heartbeat_at"), ["heartbeat_at"])


def downgrade():
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_heartbeat_at"))
        batch_op.drop_column("job_id")
        batch_op.drop_column("heartbeat_at")
