"""Every asylum SQL statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.models import Case
from shared.pagination import PageParams, keyset


async def add_case(session: AsyncSession, row: Case) -> Case:
    session.add(row)
    await session.flush()
    return row


async def get_case(session: AsyncSession, row_id: str) -> Case | None:
    return (await session.execute(select(Case).where(Case.id == row_id))).scalar_one_or_none()


async def list_cases(session: AsyncSession, page: PageParams) -> Sequence[Case]:
    return (await session.execute(keyset(select(Case), Case.id, page))).scalars().all()
