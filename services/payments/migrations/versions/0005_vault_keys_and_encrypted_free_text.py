"""vault-wrapped partner keys; contribution references, reversal reasons and funding holders encrypted

`partner_keys` records the vault KEK that wraps each data key. What people write into the ledger
(contribution references, reversal reasons) and a funding account's holder may name someone, so it moves
to ciphertexts bound to their row: `contributions.reference_enc`, `transfers.memo_enc` (the clear `memo`
keeps only the service's own description) and `accounts.bank_holder_enc`. A migration holds no partner
keys and cannot encrypt, so clear-text references and holders already stored are dropped with their
column (none exist in production); existing memos stay as they are. The downgrade restores empty
clear-text columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import add_partner_key_vault_columns, drop_partner_key_vault_columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_partner_key_vault_columns()
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_holder_enc", sa.Text(), nullable=True))
        batch_op.drop_column("bank_holder")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("memo_enc", sa.Text(), nullable=True))
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference_enc", sa.Text(), nullable=True))
        batch_op.drop_column("reference")


def downgrade() -> None:
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=140), nullable=False, server_default=""))
        batch_op.drop_column("reference_enc")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_column("memo_enc")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_holder", sa.String(length=70), nullable=True))
        batch_op.drop_column("bank_holder_enc")
    drop_partner_key_vault_columns()
