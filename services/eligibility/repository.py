"""Every eligibility SQL statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.eligibility.models import Applicant
from shared.pagination import PageParams, keyset


async def add_applicant(session: AsyncSession, applicant: Applicant) -> Applicant:
    session.add(applicant)
    await session.flush()
    return applicant


async def get_applicant(session: AsyncSession, applicant_id: str) -> Applicant | None:
    stmt = select(Applicant).where(Applicant.id == applicant_id).options(selectinload(Applicant.documents))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_applicants(session: AsyncSession, page: PageParams) -> Sequence[Applicant]:
    stmt = keyset(select(Applicant).options(selectinload(Applicant.documents)), Applicant.id, page)
    return (await session.execute(stmt)).scalars().all()
