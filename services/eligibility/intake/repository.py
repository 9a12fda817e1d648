"""Every SQL statement about bulk intake jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import IntakeJob, IntakeRow
from shared.bulk_insert import insert_rows
from shared.pagination import PageParams, keyset


async def add_job(session: AsyncSession, job: IntakeJob) -> None:
    session.add(job)
    await session.flush()


async def get_job(session: AsyncSession, job_id: str) -> IntakeJob | None:
    return (await session.execute(select(IntakeJob).where(IntakeJob.id == job_id))).scalar_one_or_none()


async def add_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Record the outcome of a chunk of rows in one statement (`COPY` on PostgreSQL)."""
    await insert_rows(session, cast(Any, IntakeRow.__table__), rows)


async def list_rows(
    session: AsyncSession, job_id: str, page: PageParams, status: str | None = None
) -> Sequence[IntakeRow]:
    """One page of a job's row outcomes in row order (and the look-ahead row), of one status if given."""
    stmt = select(IntakeRow).where(IntakeRow.job_id == job_id)
    if status is not None:
        stmt = stmt.where(IntakeRow.status == status)
    return (await session.execute(keyset(stmt, IntakeRow.row_number, page))).scalars().all()


async def mark_job_failed(session: AsyncSession, job_id: str) -> None:
    """Set a job failed and drop its encrypted upload, whichever partner it belongs to (the worker's view)."""
    await session.execute(
        update(IntakeJob)
        .where(IntakeJob.id == job_id)
        .values(status="failed", upload_enc=None)
        .execution_options(include_all_tenants=True)
    )
