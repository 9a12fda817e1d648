"""Every SQL statement behind statistics and protection alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.models import Case, CaseHistoryEntry
from shared.pagination import PageParams, keyset


async def list_partner_history(session: AsyncSession, partner_id: str) -> Sequence[tuple[str, str, datetime]]:
    """(case id, state entered, when) for every case the partner holds now."""
    stmt = (
        select(CaseHistoryEntry.case_id, CaseHistoryEntry.to_state, CaseHistoryEntry.at)
        .join(Case, Case.id == CaseHistoryEntry.case_id)
        .where(Case.partner_id == partner_id)
        .order_by(CaseHistoryEntry.id)
    )
    return [(r[0], r[1], r[2]) for r in (await session.execute(stmt)).all()]


async def list_flagged_cases(session: AsyncSession, page: PageParams) -> Sequence[Case]:
    stmt = select(Case).where(Case.protection_flagged_at.is_not(None))
    return (await session.execute(keyset(stmt, Case.id, page))).scalars().all()
