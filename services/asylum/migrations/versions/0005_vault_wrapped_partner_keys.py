"""vault-wrapped partner keys

`partner_keys` records the vault KEK that wraps each data key (see `shared.keys`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00.000000
"""

from collections.abc import Sequence

from shared.migrations import add_partner_key_vault_columns, drop_partner_key_vault_columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_partner_key_vault_columns()


def downgrade() -> None:
    drop_partner_key_vault_columns()
