"""Every SQL statement about manual releases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.releases.models import ManualRelease
from shared.db import add_in_savepoint
from shared.pagination import PageParams, keyset


async def add(session: AsyncSession, row: ManualRelease) -> bool:
    """Insert a request in a savepoint; False when another request for the same tranches is already open."""
    return await add_in_savepoint(session, row)


async def get(session: AsyncSession, release_id: str, *, for_update: bool = False) -> ManualRelease | None:
    """One manual release of the scoped partner; `for_update` row-locks it until the transaction ends."""
    stmt = select(ManualRelease).where(ManualRelease.id == release_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_pending(session: AsyncSession, applicant_id: str, trigger: str) -> ManualRelease | None:
    """The open request of the scoped partner for an applicant's tranches waiting for a trigger, if any."""
    stmt = select(ManualRelease).where(
        ManualRelease.applicant_id == applicant_id,
        ManualRelease.trigger == trigger,
        ManualRelease.status == "pending_approval",
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(session: AsyncSession, page: PageParams, status: str | None) -> Sequence[ManualRelease]:
    """One page of the scoped partner's manual releases, optionally in one status."""
    stmt = select(ManualRelease)
    if status is not None:
        stmt = stmt.where(ManualRelease.status == status)
    return (await session.execute(keyset(stmt, ManualRelease.id, page))).scalars().all()
