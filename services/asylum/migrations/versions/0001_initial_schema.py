"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:48:46.940200
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
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("assessment_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=True),
        sa.Column("duress_hash", sa.String(length=255), nullable=True),
        sa.Column("protection_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protection_flag_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("partner_id", "applicant_id", name=op.f("uq_cases_partner_id_applicant_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "lookup_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_lookup_throttles")),
    )

    op.create_table(
        "access_grants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("ngo_org", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_kind", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_access_grants_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_grants")),
    )
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_grants_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grants_ngo_org"), ["ngo_org"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_grants_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "case_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=40), nullable=True),
        sa.Column("to_state", sa.String(length=40), nullable=False),
        sa.Column("from_partner", sa.String(length=64), nullable=True),
        sa.Column("to_partner", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_org", sa.String(length=64), nullable=False),
        sa.Column("actor_subject", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_history_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_history")),
    )
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_history_case_id"), ["case_id"], unique=False)

    op.create_table(
        "dependants",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("person_ref", sa.String(length=36), nullable=True),
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("birth_date_enc", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=40), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_dependants_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dependants")),
    )
    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dependants_case_id"), ["case_id"], unique=False)

    create_append_only("audit_log")
    create_append_only("case_history")


def downgrade() -> None:
    drop_append_only("case_history")
    drop_append_only("audit_log")
    with op.batch_alter_table("dependants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dependants_case_id"))

    op.drop_table("dependants")
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_history_case_id"))

    op.drop_table("case_history")
    with op.batch_alter_table("access_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_grants_partner_id"))
        batch_op.drop_index(batch_op.f("ix_access_grants_ngo_org"))
        batch_op.drop_index(batch_op.f("ix_access_grants_case_id"))

    op.drop_table("access_grants")

    op.drop_table("lookup_throttles")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_partner_id"))
        batch_op.drop_index(batch_op.f("ix_cases_applicant_id"))

    op.drop_table("cases")

    drop_plumbing_tables()
