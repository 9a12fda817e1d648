"""Every testimony SQL statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.models import Testimony
from shared.pagination import PageParams, keyset


async def add_testimony(session: AsyncSession, row: Testimony) -> Testimony:
    session.add(row)
    await session.flush()
    return row


async def get_testimony(session: AsyncSession, row_id: str) -> Testimony | None:
    return (await session.execute(select(Testimony).where(Testimony.id == row_id))).scalar_one_or_none()


async def list_testimonies(session: AsyncSession, page: PageParams) -> Sequence[Testimony]:
    return (await session.execute(keyset(select(Testimony), Testimony.id, page))).scalars().all()
