"""Every SQL statement about erasure requests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import ErasureRequest
from shared.db import add_in_savepoint
from shared.pagination import PageParams, keyset


async def add(session: AsyncSession, row: ErasureRequest) -> bool:
    """Insert a request in a savepoint; False when one for the same partner already waits for approval."""
    return await add_in_savepoint(session, row)


async def get(session: AsyncSession, request_id: str, *, for_update: bool = False) -> ErasureRequest | None:
    stmt = select(ErasureRequest).where(ErasureRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_pending(session: AsyncSession, partner_id: str) -> ErasureRequest | None:
    stmt = select(ErasureRequest).where(
        ErasureRequest.partner_id == partner_id, ErasureRequest.status == "pending_approval"
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(session: AsyncSession, page: PageParams) -> Sequence[ErasureRequest]:
    return (await session.execute(keyset(select(ErasureRequest), ErasureRequest.id, page))).scalars().all()
