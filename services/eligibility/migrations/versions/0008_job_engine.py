"""job engine tables, and intake uploads kept encrypted until their job completes

`jobs` and `job_schedules` hold the worker's queued jobs and periodic schedules (see `shared.jobs`);
`intake_jobs.upload_enc` keeps an upload, encrypted, so that a stopped job resumes on another worker.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_job_tables, drop_job_tables

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_job_tables()
    with op.batch_alter_table("intake_jobs") as batch:
        batch.add_column(sa.Column("upload_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake_jobs") as batch:
        batch.drop_column("upload_enc")
    drop_job_tables()
