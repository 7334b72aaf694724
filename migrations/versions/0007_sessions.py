"""session and reset stamps, remember-me tokens

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:55:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("session_stamp", sa.String),
    sa.column("password_stamp", sa.String),
)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_stamp", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("password_stamp", sa.String(length=64), nullable=True))
    # Every existing user gets their own random stamps: old sessions and reset links end.
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(
                session_stamp=secrets.token_urlsafe(24), password_stamp=secrets.token_urlsafe(24)
            )
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_stamp", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("password_stamp", existing_type=sa.String(length=64), nullable=False)

    op.create_table(
        "remember_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=32), nullable=False),
        sa.Column("validator_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("selector"),
    )
    with op.batch_alter_table("remember_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remember_tokens_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("remember_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remember_tokens_user_id"))
    op.drop_table("remember_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("password_stamp")
        batch_op.drop_column("session_stamp")
