"""bank profiles: the pain.001 and camt.053 versions each partner's bank uses

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Partners without a row get the current versions (pain.001.001.09, camt.053.001.08). A partner that already
# has a funding account was sent pain.001.001.03 files until now, so it keeps those versions until it says
# otherwise: a bank that takes only version 03 must not start receiving version 09 on an upgrade.


def upgrade() -> None:
    op.create_table(
        "bank_profiles",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("credit_transfer_version", sa.String(length=20), nullable=False),
        sa.Column("statement_version", sa.String(length=20), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_bank_profiles")),
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO bank_profiles (partner_id, credit_transfer_version, statement_version, updated_by, updated_at) "
            "SELECT DISTINCT partner_id, 'pain.001.001.03', 'camt.053.001.02', 'migration 0003', :now "
            "FROM accounts WHERE kind = 'funding'"
        ),
        {"now": datetime.now(UTC)},
    )


def downgrade() -> None:
    op.drop_table("bank_profiles")
