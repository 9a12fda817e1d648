"""Every SQL statement about tier policies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Policy
from shared.pagination import PageParams, keyset


async def add_policy(session: AsyncSession, policy: Policy) -> None:
    session.add(policy)
    await session.flush()


async def latest_version(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(Policy.version), 0)))).scalar_one())


async def get_policy_by_version(session: AsyncSession, version: int) -> Policy | None:
    return (await session.execute(select(Policy).where(Policy.version == version))).scalar_one_or_none()


async def list_policies(session: AsyncSession, page: PageParams) -> Sequence[Policy]:
    return (await session.execute(keyset(select(Policy), Policy.id, page))).scalars().all()


async def policy_in_force(session: AsyncSession, on: date) -> Policy | None:
    """The highest version whose effective dates include the day."""
    stmt = (
        select(Policy)
        .where(Policy.effective_from <= on, or_(Policy.effective_to.is_(None), Policy.effective_to >= on))
        .order_by(Policy.version.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
