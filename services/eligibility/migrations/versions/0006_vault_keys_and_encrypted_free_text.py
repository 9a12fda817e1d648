"""vault-wrapped partner keys; rejection reasons and waiver legal bases encrypted

`partner_keys` records the vault KEK that wraps each data key. Rejection reasons and waiver legal
bases may name people, so they move to `_enc` columns holding ciphertexts bound to their row. A
migration holds no partner keys and cannot encrypt, so clear-text values already stored are dropped
with their column (none exist in production); the new columns are nullable, so the step runs on
empty and filled tables alike. The downgrade restores empty clear-text columns.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import add_partner_key_vault_columns, drop_partner_key_vault_columns

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_partner_key_vault_columns()
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason_enc", sa.Text(), nullable=True))
        batch_op.drop_column("rejection_reason")
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_basis_enc", sa.Text(), nullable=True))
        batch_op.drop_column("legal_basis")


def downgrade() -> None:
    with op.batch_alter_table("waivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_basis", sa.Text(), nullable=False, server_default=""))
        batch_op.drop_column("legal_basis_enc")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason", sa.Text(), nullable=True))
        batch_op.drop_column("rejection_reason_enc")
    drop_partner_key_vault_columns()
