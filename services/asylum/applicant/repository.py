"""Every SQL statement of the applicant's lookups: the failure counters behind the lockout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.applicant.models import LookupThrottle
from services.asylum.models import CaseHistoryEntry


async def get_throttles(session: AsyncSession, keys: Sequence[str]) -> Sequence[LookupThrottle]:
    stmt = select(LookupThrottle).where(LookupThrottle.key.in_(keys))
    return (await session.execute(stmt)).scalars().all()


async def lock_throttle_row(session: AsyncSession, key: str, now: datetime) -> LookupThrottle:
    """The counter row for `key`, created if missing and locked for this transaction."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Insert-or-ignore first, so two first failures at once cannot collide on the key.
    await session.execute(
        insert(LookupThrottle)
        .values(key=key, failures=0, window_started_at=now, locked_until=None)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    stmt = (
        select(LookupThrottle)
        .where(LookupThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one()


async def clear_throttle(session: AsyncSession, key: str) -> None:
    await session.execute(delete(LookupThrottle).where(LookupThrottle.key == key))


async def first_entry_into(session: AsyncSession, case_id: str, state: str) -> datetime | None:
    stmt = (
        select(CaseHistoryEntry.at)
        .where(CaseHistoryEntry.case_id == case_id, CaseHistoryEntry.to_state == state)
        .order_by(CaseHistoryEntry.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_states_reached(session: AsyncSession, case_id: str) -> set[str]:
    stmt = select(CaseHistoryEntry.to_state).where(CaseHistoryEntry.case_id == case_id).distinct()
    return set((await session.execute(stmt)).scalars().all())
