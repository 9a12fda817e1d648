"""Every SQL statement about bulk intake jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import IntakeJob, IntakeRow


async def add_job(session: AsyncSession, job: IntakeJob) -> None:
    session.add(job)
    await session.flush()


async def get_job(session: AsyncSession, job_id: str) -> IntakeJob | None:
    return (await session.execute(select(IntakeJob).where(IntakeJob.id == job_id))).scalar_one_or_none()


async def add_rows(session: AsyncSession, rows: Sequence[IntakeRow]) -> None:
    session.add_all(rows)
    await session.flush()


async def list_rows(session: AsyncSession, job_id: str) -> Sequence[IntakeRow]:
    stmt = select(IntakeRow).where(IntakeRow.job_id == job_id).order_by(IntakeRow.row_number)
    return (await session.execute(stmt)).scalars().all()


async def mark_job_failed(session: AsyncSession, job_id: str) -> None:
    """Set a job failed and drop its encrypted upload, whichever partner it belongs to (the worker's view)."""
    await session.execute(
        update(IntakeJob)
        .where(IntakeJob.id == job_id)
        .values(status="failed", upload_enc=None)
        .execution_options(include_all_tenants=True)
    )
