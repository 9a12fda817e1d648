"""applicant tenancies: which partner may open a case for which applicant

A partner opens cases only for applicants approved under its tenancy (eligibility's signed approval) or
whose case was transferred to it. Cases that exist before this revision give their holder that right.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applicant_tenancies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_tenancies")),
        sa.UniqueConstraint("partner_id", "applicant_id", name=op.f("uq_applicant_tenancies_partner_id_applicant_id")),
    )
    with op.batch_alter_table("applicant_tenancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applicant_tenancies_partner_id"), ["partner_id"], unique=False)
    # Existing cases: their holder keeps the right to the applicant (the case id doubles as the row id).
    op.execute(
        "INSERT INTO applicant_tenancies (id, applicant_id, basis, since, partner_id) "
        "SELECT id, applicant_id, 'existing_case', created_at, partner_id FROM cases"
    )


def downgrade() -> None:
    with op.batch_alter_table("applicant_tenancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicant_tenancies_partner_id"))
    op.drop_table("applicant_tenancies")
