"""applicant pages: submission tokens know their testimony, subjects may refuse, page sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("testimony_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_submission_tokens_testimony_id"), ["testimony_id"], unique=False)
    with op.batch_alter_table("subject_approvals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=10), server_default="approved", nullable=False))
    op.create_table(
        "page_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_sessions")),
    )
    with op.batch_alter_table("page_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_sessions_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("page_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_sessions_expires_at"))
    op.drop_table("page_sessions")
    with op.batch_alter_table("subject_approvals", schema=None) as batch_op:
        batch_op.drop_column("decision")
    with op.batch_alter_table("submission_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_tokens_testimony_id"))
        batch_op.drop_column("testimony_id")
