"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 11:50:14.044843
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import create_append_only, create_plumbing_tables, drop_append_only, drop_plumbing_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_plumbing_tables()

    op.create_table(
        "submission_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_submission_tokens_token_hash")),
    )
    with op.batch_alter_table("submission_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_tokens_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "testimonies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("submitted_via", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimonies")),
    )
    with op.batch_alter_table("testimonies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_testimonies_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_testimonies_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "consent_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("testimony_id", sa.String(length=36), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("withdrawal_token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["testimony_id"], ["testimonies.id"], name=op.f("fk_consent_records_testimony_id_testimonies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
        sa.UniqueConstraint("testimony_id", "subject_ref", name=op.f("uq_consent_records_testimony_id_subject_ref")),
        sa.UniqueConstraint("withdrawal_token_hash", name=op.f("uq_consent_records_withdrawal_token_hash")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_records_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_records_testimony_id"), ["testimony_id"], unique=False)

    op.create_table(
        "derivatives",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("testimony_id", sa.String(length=36), nullable=False),
        sa.Column("title_enc", sa.Text(), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("attribution_enc", sa.Text(), nullable=True),
        sa.Column("author_named", sa.Boolean(), nullable=False),
        sa.Column("faces_obscured", sa.Boolean(), nullable=False),
        sa.Column("voices_obscured", sa.Boolean(), nullable=False),
        sa.Column(
            "redaction", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "redacted_subjects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "parts", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("original_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["testimony_id"], ["testimonies.id"], name=op.f("fk_derivatives_testimony_id_testimonies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivatives")),
    )
    with op.batch_alter_table("derivatives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_derivatives_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_derivatives_testimony_id"), ["testimony_id"], unique=False)

    op.create_table(
        "family_members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("testimony_id", sa.String(length=36), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["testimony_id"], ["testimonies.id"], name=op.f("fk_family_members_testimony_id_testimonies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_members")),
        sa.UniqueConstraint("testimony_id", "subject_ref", name=op.f("uq_family_members_testimony_id_subject_ref")),
    )
    with op.batch_alter_table("family_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_members_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_members_testimony_id"), ["testimony_id"], unique=False)

    op.create_table(
        "originals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("testimony_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["testimony_id"], ["testimonies.id"], name=op.f("fk_originals_testimony_id_testimonies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_originals")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_originals_storage_key")),
    )
    with op.batch_alter_table("originals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_originals_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_originals_testimony_id"), ["testimony_id"], unique=False)

    op.create_table(
        "consent_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["consent_records.id"], name=op.f("fk_consent_events_record_id_consent_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("record_id", "sequence", name=op.f("uq_consent_events_record_id_sequence")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_events_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_events_record_id"), ["record_id"], unique=False)

    op.create_table(
        "derivative_media",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("derivative_id", sa.String(length=36), nullable=False),
        sa.Column("original_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("wrapped_key", sa.Text(), nullable=False),
        sa.Column(
            "removed", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["derivative_id"], ["derivatives.id"], name=op.f("fk_derivative_media_derivative_id_derivatives")
        ),
        sa.ForeignKeyConstraint(
            ["original_id"], ["originals.id"], name=op.f("fk_derivative_media_original_id_originals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivative_media")),
        sa.UniqueConstraint("derivative_id", "name", name=op.f("uq_derivative_media_derivative_id_name")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_derivative_media_storage_key")),
    )
    with op.batch_alter_table("derivative_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_derivative_media_derivative_id"), ["derivative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_derivative_media_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "publications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("testimony_id", sa.String(length=36), nullable=False),
        sa.Column("derivative_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("attribution", sa.Text(), nullable=True),
        sa.Column("manifest", sa.Text(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "consent_versions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "record_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("covered_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_down_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("takedown_reason", sa.String(length=20), nullable=True),
        sa.Column("takedown_receipt", sa.Text(), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["derivative_id"], ["derivatives.id"], name=op.f("fk_publications_derivative_id_derivatives")
        ),
        sa.ForeignKeyConstraint(
            ["testimony_id"], ["testimonies.id"], name=op.f("fk_publications_testimony_id_testimonies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_covered_until"), ["covered_until"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_derivative_id"), ["derivative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_taken_down_at"), ["taken_down_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_publications_testimony_id"), ["testimony_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("derivative_id", sa.String(length=36), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["derivative_id"], ["derivatives.id"], name=op.f("fk_reviews_derivative_id_derivatives")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("derivative_id", "reviewer", name=op.f("uq_reviews_derivative_id_reviewer")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_derivative_id"), ["derivative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "subject_approvals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("derivative_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["derivative_id"], ["derivatives.id"], name=op.f("fk_subject_approvals_derivative_id_derivatives")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["consent_records.id"], name=op.f("fk_subject_approvals_record_id_consent_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_approvals")),
        sa.UniqueConstraint("derivative_id", "record_id", name=op.f("uq_subject_approvals_derivative_id_record_id")),
    )
    with op.batch_alter_table("subject_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subject_approvals_derivative_id"), ["derivative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subject_approvals_partner_id"), ["partner_id"], unique=False)
    create_append_only("audit_log")
    create_append_only("consent_events")


def downgrade() -> None:
    drop_append_only("consent_events")
    drop_append_only("audit_log")
    with op.batch_alter_table("subject_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_approvals_partner_id"))
        batch_op.drop_index(batch_op.f("ix_subject_approvals_derivative_id"))

    op.drop_table("subject_approvals")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_partner_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_derivative_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_testimony_id"))
        batch_op.drop_index(batch_op.f("ix_publications_taken_down_at"))
        batch_op.drop_index(batch_op.f("ix_publications_published_at"))
        batch_op.drop_index(batch_op.f("ix_publications_partner_id"))
        batch_op.drop_index(batch_op.f("ix_publications_derivative_id"))
        batch_op.drop_index(batch_op.f("ix_publications_covered_until"))

    op.drop_table("publications")
    with op.batch_alter_table("derivative_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_derivative_media_partner_id"))
        batch_op.drop_index(batch_op.f("ix_derivative_media_derivative_id"))

    op.drop_table("derivative_media")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_record_id"))
        batch_op.drop_index(batch_op.f("ix_consent_events_partner_id"))

    op.drop_table("consent_events")
    with op.batch_alter_table("originals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_originals_testimony_id"))
        batch_op.drop_index(batch_op.f("ix_originals_partner_id"))

    op.drop_table("originals")
    with op.batch_alter_table("family_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_members_testimony_id"))
        batch_op.drop_index(batch_op.f("ix_family_members_partner_id"))

    op.drop_table("family_members")
    with op.batch_alter_table("derivatives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_derivatives_testimony_id"))
        batch_op.drop_index(batch_op.f("ix_derivatives_partner_id"))

    op.drop_table("derivatives")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_testimony_id"))
        batch_op.drop_index(batch_op.f("ix_consent_records_partner_id"))

    op.drop_table("consent_records")
    with op.batch_alter_table("testimonies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_testimonies_partner_id"))
        batch_op.drop_index(batch_op.f("ix_testimonies_applicant_id"))

    op.drop_table("testimonies")
    with op.batch_alter_table("submission_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_tokens_partner_id"))

    op.drop_table("submission_tokens")

    drop_plumbing_tables()
