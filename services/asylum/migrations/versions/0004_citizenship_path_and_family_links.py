"""citizenship path, the approval a case follows, family links

Cases record whether their approval granted a citizenship path and which approval they follow (its date,
beside the assessment id they already had); family members heard of from eligibility are remembered in
`family_links`, and a person joins a case at most once. Cases opened before this revision get no citizenship
path, since the approvals that opened them were not kept: a new approval that grants one opens the
naturalisation steps.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:32:15.847637
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("main_applicant_id", sa.String(length=36), nullable=False),
        sa.Column("member_applicant_id", sa.String(length=36), nullable=False),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_links")),
        sa.UniqueConstraint(
            "partner_id",
            "main_applicant_id",
            "member_applicant_id",
            name=op.f("uq_family_links_partner_id_main_applicant_id_member_applicant_id"),
        ),
    )
    with op.batch_alter_table("family_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_links_main_applicant_id"), ["main_applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_links_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizenship_path", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))

    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.create_index(
            "uq_dependants_case_person_ref",
            ["case_id", "person_ref"],
            unique=True,
            sqlite_where=sa.text("person_ref IS NOT NULL"),
            postgresql_where=sa.text("person_ref IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_dependants_case_person_ref",
            sqlite_where=sa.text("person_ref IS NOT NULL"),
            postgresql_where=sa.text("person_ref IS NOT NULL"),
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("approved_on")
        batch_op.drop_column("citizenship_path")

    with op.batch_alter_table("family_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_links_partner_id"))
        batch_op.drop_index(batch_op.f("ix_family_links_main_applicant_id"))

    op.drop_table("family_links")
