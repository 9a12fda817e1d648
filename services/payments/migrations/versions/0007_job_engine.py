"""job engine tables

`jobs` and `job_schedules` hold the worker's queued jobs and periodic schedules (see `shared.jobs`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

from shared.migrations import create_job_tables, drop_job_tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_job_tables()


def downgrade() -> None:
    drop_job_tables()
