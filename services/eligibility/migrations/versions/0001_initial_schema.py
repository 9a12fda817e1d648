"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:40:35.911124
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_append_only, create_plumbing_tables, drop_append_only, drop_plumbing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_plumbing_tables()
    op.create_table(
        "applicants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("names_enc", sa.Text(), nullable=False),
        sa.Column("birth_date_enc", sa.Text(), nullable=False),
        sa.Column("citizenship", sa.String(length=2), nullable=False),
        sa.Column("rank_or_post_enc", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicants")),
    )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applicants_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "applicant_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("doc_type", sa.String(length=50), nullable=False),
        sa.Column("issuing_country", sa.String(length=2), nullable=False),
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_applicant_documents_applicant_id_applicants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicant_documents")),
    )
    with op.batch_alter_table("applicant_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applicant_documents_applicant_id"),
            ["applicant_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_applicant_documents_number_hash"),
            ["number_hash"],
            unique=False,
        )

    create_append_only("audit_log")


def downgrade() -> None:
    drop_append_only("audit_log")
    with op.batch_alter_table("applicant_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicant_documents_number_hash"))
        batch_op.drop_index(batch_op.f("ix_applicant_documents_applicant_id"))

    op.drop_table("applicant_documents")

    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicants_partner_id"))

    op.drop_table("applicants")
    drop_plumbing_tables()
