"""webhook subscriptions

Partners' webhook subscriptions; deliveries learn their subscription, partner and when they died
(see `shared.migrations.add_webhook_tables`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

from shared.migrations import add_webhook_tables, drop_webhook_tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_webhook_tables()


def downgrade() -> None:
    drop_webhook_tables()
