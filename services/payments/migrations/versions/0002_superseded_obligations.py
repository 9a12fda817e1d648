"""superseded obligations: notes and the applied approval per applicant

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:47:34.240134
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# No data changes: `superseded` is a new value of the free-text `obligations.status`, so the partial
# unique index on active payouts (uq_payouts_active_obligation) is untouched. The new table holds the
# approval that stands for each applicant; its row lock serialises two approvals of one applicant.


def upgrade() -> None:
    op.create_table(
        "applicant_approvals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("assessment_id", sa.String(length=64), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_approvals")),
        sa.UniqueConstraint("partner_id", "applicant_id", name="uq_applicant_approvals_partner_applicant"),
    )
    with op.batch_alter_table("applicant_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applicant_approvals_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_column("note")

    with op.batch_alter_table("applicant_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicant_approvals_partner_id"))

    op.drop_table("applicant_approvals")
