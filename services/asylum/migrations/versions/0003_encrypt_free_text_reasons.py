"""encrypt free-text reasons

History reasons and dependants' decision reasons may name people, so they move to `_enc` columns
holding ciphertexts. A migration holds no partner keys and cannot encrypt, so any clear-text reasons
already stored are dropped with their column (none exist in production); the new columns are nullable,
so the step runs on empty and filled tables alike. The downgrade restores empty clear-text columns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:19:15.178692
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reason_partner", sa.String(length=64), nullable=True))
        batch_op.drop_column("reason")

    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_reason_enc", sa.Text(), nullable=True))
        batch_op.drop_column("decision_reason")


def downgrade() -> None:
    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_reason", sa.TEXT(), nullable=True))
        batch_op.drop_column("decision_reason_enc")

    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.TEXT(), nullable=True))
        batch_op.drop_column("reason_partner")
        batch_op.drop_column("reason_enc")
