"""case track and family track

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:58:37.834556
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("track", sa.String(length=20), server_default="asylum", nullable=False))
        batch_op.add_column(sa.Column("family_track", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("family_track")
        batch_op.drop_column("track")
