"""Every SQL statement about obligations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.models import Obligation
from shared.pagination import PageParams, keyset


async def add_all(session: AsyncSession, rows: Sequence[Obligation]) -> None:
    """Add obligations and flush them."""
    session.add_all(rows)
    await session.flush()


async def count_for_assessment(session: AsyncSession, assessment_id: str) -> int:
    """How many obligations an assessment already has."""
    stmt = select(Obligation.id).where(Obligation.assessment_id == assessment_id)
    return len((await session.execute(stmt)).scalars().all())


async def get(session: AsyncSession, obligation_id: str) -> Obligation | None:
    """One obligation of the scoped partner, or None."""
    return (await session.execute(select(Obligation).where(Obligation.id == obligation_id))).scalar_one_or_none()


async def list_waiting_for_trigger(session: AsyncSession, applicant_id: str, trigger: str) -> Sequence[Obligation]:
    """An applicant's obligations still waiting for one trigger."""
    stmt = (
        select(Obligation)
        .where(Obligation.applicant_id == applicant_id, Obligation.trigger == trigger, Obligation.status == "waiting")
        .order_by(Obligation.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def list_waiting_due_by(session: AsyncSession, as_of: date) -> Sequence[Obligation]:
    """Waiting obligations whose due date is on or before `as_of`."""
    stmt = (
        select(Obligation)
        .where(Obligation.status == "waiting", Obligation.due_on.is_not(None), Obligation.due_on <= as_of)
        .order_by(Obligation.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def list_page(
    session: AsyncSession, page: PageParams, applicant_id: str | None, status: str | None
) -> Sequence[Obligation]:
    """One page of obligations, optionally for one applicant or status."""
    stmt = select(Obligation)
    if applicant_id is not None:
        stmt = stmt.where(Obligation.applicant_id == applicant_id)
    if status is not None:
        stmt = stmt.where(Obligation.status == status)
    return (await session.execute(keyset(stmt, Obligation.id, page))).scalars().all()


async def move_status(session: AsyncSession, obligation_id: str, from_status: str, to_status: str) -> bool:
    """Change the status only if it still is `from_status`; False when another request got there first."""
    result = await session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id, Obligation.status == from_status)
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_released(session: AsyncSession, obligation_id: str, transfer_id: str, at: datetime) -> None:
    """Record which transfer released an obligation, and when."""
    await session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id)
        .values(release_transfer_id=transfer_id, released_at=at)
        .execution_options(synchronize_session=False)
    )
