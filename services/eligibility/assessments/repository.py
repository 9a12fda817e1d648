"""Every SQL statement about assessments, approvals and appeals."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.eligibility.models import Appeal, Approval, Assessment
from shared.pagination import PageParams, keyset


async def add_assessment(session: AsyncSession, assessment: Assessment) -> None:
    session.add(assessment)
    await session.flush()


async def get_assessment(session: AsyncSession, assessment_id: str, *, for_update: bool = False) -> Assessment | None:
    stmt = select(Assessment).where(Assessment.id == assessment_id).options(selectinload(Assessment.approvals))
    if for_update:
        # Serialises concurrent approvals of one assessment, so it is approved (and announced) once.
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_assessments_of_applicant(
    session: AsyncSession, applicant_id: str, page: PageParams
) -> Sequence[Assessment]:
    stmt = select(Assessment).where(Assessment.applicant_id == applicant_id).options(selectinload(Assessment.approvals))
    return (await session.execute(keyset(stmt, Assessment.id, page))).scalars().all()


async def supersede_pending(session: AsyncSession, applicant_id: str) -> None:
    """Mark the applicant's assessments still pending approval as superseded by a newer one."""
    stmt = (
        update(Assessment)
        .where(Assessment.applicant_id == applicant_id, Assessment.status == "pending_approval")
        .values(status="superseded")
        .execution_options(synchronize_session="fetch")
    )
    await session.execute(stmt)


async def add_approval(session: AsyncSession, approval: Approval) -> None:
    session.add(approval)
    await session.flush()


async def add_appeal(session: AsyncSession, appeal: Appeal) -> None:
    session.add(appeal)
    await session.flush()


async def get_appeal(session: AsyncSession, appeal_id: str) -> Appeal | None:
    return (await session.execute(select(Appeal).where(Appeal.id == appeal_id))).scalar_one_or_none()


async def open_appeal_of(session: AsyncSession, assessment_id: str) -> Appeal | None:
    stmt = select(Appeal).where(Appeal.assessment_id == assessment_id, Appeal.status == "open")
    return (await session.execute(stmt)).scalar_one_or_none()
