"""Every SQL statement about dependants."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.models import Dependant


async def add_dependant(session: AsyncSession, dependant: Dependant) -> Dependant:
    session.add(dependant)
    await session.flush()
    return dependant


async def get_dependant(session: AsyncSession, case_id: str, dependant_id: str) -> Dependant | None:
    stmt = select(Dependant).where(Dependant.case_id == case_id, Dependant.id == dependant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_dependants(session: AsyncSession, case_id: str) -> Sequence[Dependant]:
    stmt = select(Dependant).where(Dependant.case_id == case_id).order_by(Dependant.id)
    return (await session.execute(stmt)).scalars().all()
