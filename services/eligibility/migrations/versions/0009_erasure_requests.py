"""erasure requests: two operators erase a partner by destroying its keys

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kek_destroyed", sa.Boolean(), nullable=False),
        sa.Column("data_keys_destroyed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_requests_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            "uq_erasure_requests_pending_partner",
            ["partner_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending_approval'"),
            postgresql_where=sa.text("status = 'pending_approval'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("erasure_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_erasure_requests_pending_partner")
        batch_op.drop_index(batch_op.f("ix_erasure_requests_partner_id"))
    op.drop_table("erasure_requests")
