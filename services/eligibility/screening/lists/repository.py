"""Every SQL statement about sanctions lists, screening hits and waivers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, String, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from services.eligibility.models import Applicant, RescreeningJob, SanctionsListRecord, ScreeningHitRecord, Waiver


async def add_list(session: AsyncSession, record: SanctionsListRecord) -> None:
    session.add(record)
    await session.flush()


async def latest_list_ids(session: AsyncSession) -> dict[str, str]:
    """The id of the newest list of each source."""
    newest = (
        select(SanctionsListRecord.source, func.max(SanctionsListRecord.id).label("id"))
        .group_by(SanctionsListRecord.source)
        .order_by(SanctionsListRecord.source)
    )
    return {row.source: row.id for row in (await session.execute(newest)).all()}


async def get_lists(session: AsyncSession, ids: Sequence[str]) -> Sequence[SanctionsListRecord]:
    stmt = select(SanctionsListRecord).where(SanctionsListRecord.id.in_(ids)).order_by(SanctionsListRecord.source)
    return (await session.execute(stmt)).scalars().all()


async def list_hits_of_applicant(session: AsyncSession, applicant_id: str) -> Sequence[ScreeningHitRecord]:
    stmt = (
        select(ScreeningHitRecord)
        .where(ScreeningHitRecord.applicant_id == applicant_id)
        .order_by(ScreeningHitRecord.id)
    )
    return (await session.execute(stmt)).scalars().all()


def _among(session: AsyncSession, column: InstrumentedAttribute[str], values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`: on PostgreSQL as one array parameter, a short statement psycopg parses once and caches.

    An expanding IN of a batch's 200 ids makes a statement too long for psycopg's cache, parsed again each time
    (about a quarter of the re-screening loop's own time went to that).
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(values), type_=ARRAY(String)))
    return column.in_(values)


async def list_hits_of_applicants(session: AsyncSession, applicant_ids: Sequence[str]) -> Sequence[ScreeningHitRecord]:
    """Every hit of these applicants, whichever partner they belong to (the caller chose them)."""
    if not applicant_ids:
        return []
    stmt = (
        select(ScreeningHitRecord)
        .where(_among(session, ScreeningHitRecord.applicant_id, applicant_ids))
        .order_by(ScreeningHitRecord.id)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def add_hit(session: AsyncSession, hit: ScreeningHitRecord) -> None:
    session.add(hit)
    await session.flush()


async def get_hit(session: AsyncSession, hit_id: str) -> ScreeningHitRecord | None:
    stmt = select(ScreeningHitRecord).where(ScreeningHitRecord.id == hit_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_waiver(session: AsyncSession, waiver: Waiver) -> None:
    session.add(waiver)
    await session.flush()


async def get_waiver(session: AsyncSession, waiver_id: str) -> Waiver | None:
    stmt = select(Waiver).where(Waiver.id == waiver_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def approved_waivers_of_hit(session: AsyncSession, hit_id: str) -> Sequence[Waiver]:
    stmt = select(Waiver).where(Waiver.hit_id == hit_id, Waiver.status == "approved").order_by(Waiver.id)
    return (await session.execute(stmt)).scalars().all()


async def get_applicant(session: AsyncSession, applicant_id: str) -> Applicant | None:
    return (await session.execute(select(Applicant).where(Applicant.id == applicant_id))).scalar_one_or_none()


async def mark_every_applicant_pending(session: AsyncSession) -> int:
    """Mark every partner's applicants as awaiting screening against the new lists; returns how many."""
    stmt = (
        update(Applicant)
        .values(screening_status="pending")
        .execution_options(include_all_tenants=True, synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def list_pending_applicants(session: AsyncSession, after: str | None, limit: int) -> Sequence[Applicant]:
    """A batch of applicants of every partner still awaiting screening, in id order after `after`."""
    stmt = (
        select(Applicant)
        .where(Applicant.screening_status == "pending")
        .order_by(Applicant.id)
        .limit(limit)
        # Locked so a list load committing meanwhile waits and marks them `pending` again after this batch,
        # rather than this batch overwriting that mark with a result against the older lists.
        .with_for_update()
        .options(selectinload(Applicant.documents))
        .execution_options(include_all_tenants=True)
    )
    if after is not None:
        stmt = stmt.where(Applicant.id > after)
    return (await session.execute(stmt)).scalars().all()


async def add_rescreening_job(session: AsyncSession, job: RescreeningJob) -> None:
    session.add(job)
    await session.flush()


async def get_rescreening_job(session: AsyncSession, job_id: str) -> RescreeningJob | None:
    return await session.get(RescreeningJob, job_id)


async def mark_rescreening_job_failed(session: AsyncSession, job_id: str) -> None:
    """Set a re-screening job failed (jobs belong to no partner)."""
    await session.execute(
        update(RescreeningJob)
        .where(RescreeningJob.id == job_id)
        .values(status="failed")
        .execution_options(include_all_tenants=True)
    )
