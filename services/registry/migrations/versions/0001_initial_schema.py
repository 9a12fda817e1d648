"""organisations and their history

Revision ID: 0001
Revises:
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import (
    add_partner_key_vault_columns,
    add_webhook_tables,
    create_append_only,
    create_job_tables,
    create_plumbing_tables,
    drop_append_only,
    drop_job_tables,
    drop_plumbing_tables,
    drop_webhook_tables,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_plumbing_tables()
    add_partner_key_vault_columns()
    # The shared tables as they stand today (the registry has no partner webhooks, but shares the plumbing).
    add_webhook_tables()
    create_job_tables()
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "organisations",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("jwks_url", sa.Text(), nullable=True),
        sa.Column("currencies", json_type, nullable=False),
        sa.Column("mandates", json_type, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_organisations")),
    )
    op.create_table(
        "organisation_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_org", sa.String(length=64), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_subject", sa.String(length=200), nullable=False),
        sa.Column("changes", json_type, nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_changes")),
    )
    op.create_index(op.f("ix_organisation_changes_code"), "organisation_changes", ["code"], unique=False)
    create_append_only("audit_log")
    create_append_only("organisation_changes")


def downgrade() -> None:
    drop_append_only("organisation_changes")
    drop_append_only("audit_log")
    drop_job_tables()
    drop_webhook_tables()
    op.drop_index(op.f("ix_organisation_changes_code"), table_name="organisation_changes")
    op.drop_table("organisation_changes")
    op.drop_table("organisations")
    drop_plumbing_tables()
