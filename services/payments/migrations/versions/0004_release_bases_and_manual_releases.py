"""release bases, trigger occurrences and manual releases

Obligations record what released them (`release_basis`, and the manual release whose evidence it was);
`trigger_occurrences` remembers release conditions heard from events, so a tranche created later is
released at once; `manual_releases` holds officers' requests to release by hand on named evidence until a
second officer approves. Obligations released before this revision keep a null basis.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:45:38.805846
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
        "manual_releases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("evidence_kind", sa.String(length=40), nullable=False),
        sa.Column("evidence_reference_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_releases")),
    )
    with op.batch_alter_table("manual_releases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manual_releases_applicant_id"), ["applicant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_manual_releases_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(
            "uq_manual_releases_pending",
            ["partner_id", "applicant_id", "trigger"],
            unique=True,
            sqlite_where=sa.text("status = 'pending_approval'"),
            postgresql_where=sa.text("status = 'pending_approval'"),
        )

    op.create_table(
        "trigger_occurrences",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("source_event", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trigger_occurrences")),
        sa.UniqueConstraint("partner_id", "applicant_id", "trigger", name="uq_trigger_occurrences"),
    )
    with op.batch_alter_table("trigger_occurrences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trigger_occurrences_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("release_basis", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("manual_release_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_obligations_manual_release_id_manual_releases"),
            "manual_releases",
            ["manual_release_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_obligations_manual_release_id_manual_releases"), type_="foreignkey")
        batch_op.drop_column("manual_release_id")
        batch_op.drop_column("release_basis")

    with op.batch_alter_table("trigger_occurrences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trigger_occurrences_partner_id"))

    op.drop_table("trigger_occurrences")
    with op.batch_alter_table("manual_releases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_manual_releases_pending",
            sqlite_where=sa.text("status = 'pending_approval'"),
            postgresql_where=sa.text("status = 'pending_approval'"),
        )
        batch_op.drop_index(batch_op.f("ix_manual_releases_partner_id"))
        batch_op.drop_index(batch_op.f("ix_manual_releases_applicant_id"))

    op.drop_table("manual_releases")
