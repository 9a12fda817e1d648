"""left post evidence

Applicants gain the `left_post` evidence flag (resigned, defected or otherwise left their post), which the
default policy's awards for diplomats and senior figures ask for. Existing applicants read false until a
partner records it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_post", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_column("left_post")
