"""eligibility domain: duplicates, intake, policies, assessments, approvals, appeals, screening

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 11:44:29.505208
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("accepted_rows", sa.Integer(), nullable=False),
        sa.Column("rejected_rows", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_jobs")),
    )
    with op.batch_alter_table("intake_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_jobs_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "policies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("partner_id", "version", name=op.f("uq_policies_partner_id_version")),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policies_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "sanctions_lists",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions_lists")),
    )
    with op.batch_alter_table("sanctions_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sanctions_lists_source"), ["source"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("policy_id", sa.String(length=36), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("assessment_date", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=False),
        sa.Column("tier_title", sa.String(length=300), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column(
            "entitlements",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "totals", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("required_approvers", sa.Integer(), nullable=False),
        sa.Column("trace_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assessed_by", sa.String(length=200), nullable=False),
        sa.Column("appeal_id", sa.String(length=36), nullable=True),
        sa.Column("rejected_by", sa.String(length=200), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_assessments_applicant_id_applicants")
        ),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_assessments_policy_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_status"), ["status"], unique=False)

    op.create_table(
        "duplicate_conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("earlier_applicant_id", sa.String(length=36), nullable=False),
        sa.Column("earlier_partner_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_duplicate_conflicts_applicant_id_applicants")
        ),
        sa.ForeignKeyConstraint(
            ["earlier_applicant_id"],
            ["applicants.id"],
            name=op.f("fk_duplicate_conflicts_earlier_applicant_id_applicants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_conflicts")),
    )
    with op.batch_alter_table("duplicate_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_conflicts_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_duplicate_conflicts_earlier_applicant_id"), ["earlier_applicant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_duplicate_conflicts_earlier_partner_id"), ["earlier_partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_duplicate_conflicts_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "intake_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=True),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["intake_jobs.id"], name=op.f("fk_intake_rows_job_id_intake_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_rows")),
        sa.UniqueConstraint("job_id", "row_number", name=op.f("uq_intake_rows_job_id_row_number")),
    )
    with op.batch_alter_table("intake_rows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_rows_job_id"), ["job_id"], unique=False)

    op.create_table(
        "screening_hits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("list_source", sa.String(length=20), nullable=False),
        sa.Column("list_version", sa.String(length=200), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("confident", sa.Boolean(), nullable=False),
        sa.Column("explanation_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_screening_hits_applicant_id_applicants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hits")),
    )
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_hits_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_screening_hits_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "appeals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("grounds_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reassessment_id", sa.String(length=36), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["applicant_id"], ["applicants.id"], name=op.f("fk_appeals_applicant_id_applicants")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_appeals_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeals_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeals_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_approvals_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("assessment_id", "approver", name=op.f("uq_approvals_assessment_id_approver")),
    )
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approvals_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "waivers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hit_id", sa.String(length=36), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("cap_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["hit_id"], ["screening_hits.id"], name=op.f("fk_waivers_hit_id_screening_hits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waivers")),
    )
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waivers_hit_id"), ["hit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_waivers_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contacts_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("service_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column("arrived_in_partner_territory", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("main_applicant_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("duplicate_status", sa.String(length=20), nullable=False, server_default="none"))
        batch_op.add_column(
            sa.Column("screening_status", sa.String(length=20), nullable=False, server_default="unavailable")
        )
        batch_op.create_index(batch_op.f("ix_applicants_main_applicant_id"), ["main_applicant_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_applicants_main_applicant_id_applicants"), "applicants", ["main_applicant_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_applicants_main_applicant_id_applicants"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_applicants_main_applicant_id"))
        batch_op.drop_column("screening_status")
        batch_op.drop_column("duplicate_status")
        batch_op.drop_column("main_applicant_id")
        batch_op.drop_column("arrived_in_partner_territory")
        batch_op.drop_column("service_verified")
        batch_op.drop_column("contacts_enc")

    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waivers_partner_id"))
        batch_op.drop_index(batch_op.f("ix_waivers_hit_id"))

    op.drop_table("waivers")
    with op.batch_alter_table("approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approvals_assessment_id"))

    op.drop_table("approvals")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_partner_id"))
        batch_op.drop_index(batch_op.f("ix_appeals_assessment_id"))
        batch_op.drop_index(batch_op.f("ix_appeals_applicant_id"))

    op.drop_table("appeals")
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_hits_partner_id"))
        batch_op.drop_index(batch_op.f("ix_screening_hits_applicant_id"))

    op.drop_table("screening_hits")
    with op.batch_alter_table("intake_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_rows_job_id"))

    op.drop_table("intake_rows")
    with op.batch_alter_table("duplicate_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_conflicts_partner_id"))
        batch_op.drop_index(batch_op.f("ix_duplicate_conflicts_earlier_partner_id"))
        batch_op.drop_index(batch_op.f("ix_duplicate_conflicts_earlier_applicant_id"))
        batch_op.drop_index(batch_op.f("ix_duplicate_conflicts_applicant_id"))

    op.drop_table("duplicate_conflicts")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_status"))
        batch_op.drop_index(batch_op.f("ix_assessments_partner_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_applicant_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("sanctions_lists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sanctions_lists_source"))

    op.drop_table("sanctions_lists")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_partner_id"))

    op.drop_table("policies")
    with op.batch_alter_table("intake_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intake_jobs_partner_id"))

    op.drop_table("intake_jobs")
