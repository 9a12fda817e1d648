"""Every SQL statement about sanctions lists, screening hits and waivers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import (
    Applicant,
    ApplicantDocument,
    RescreeningJob,
    SanctionsListRecord,
    ScreeningHitRecord,
    Waiver,
)

_HITS: Any = ScreeningHitRecord.__table__
# A found-again hit's findings, written by primary key for a whole batch in one executemany.
_REFRESH_HIT = (
    update(_HITS)
    .where(_HITS.c.id == bindparam("hit_id"))
    .values(
        status=bindparam("new_status"),
        list_version=bindparam("new_list_version"),
        score=bindparam("new_score"),
        confident=bindparam("new_confident"),
        explanation_enc=bindparam("new_explanation_enc"),
    )
)


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


def _among(session: AsyncSession, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`: on PostgreSQL as one array parameter, a short statement psycopg parses once and caches.

    An expanding IN of a batch's 200 ids makes a statement too long for psycopg's cache, parsed again each time
    (about a quarter of the re-screening loop's own time went to that).
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("among", list(values), type_=ARRAY(String)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


async def hit_rows_of_applicants(session: AsyncSession, applicant_ids: Sequence[str]) -> Sequence[Any]:
    """What a re-screening batch needs of these applicants' hits (id, applicant, list entry, status), as plain rows.

    Every partner's (the caller chose the applicants); one statement, no ORM objects to build or flush.
    """
    if not applicant_ids:
        return []
    stmt = (
        select(_HITS.c.id, _HITS.c.applicant_id, _HITS.c.list_source, _HITS.c.entry_id, _HITS.c.status)
        .where(_among(session, _HITS.c.applicant_id, applicant_ids))
        .order_by(_HITS.c.id)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(stmt)).all()


async def refresh_hits(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Write found-again hits' findings (`hit_id`, `new_status`, `new_list_version`, `new_score`, `new_confident`,
    `new_explanation_enc` each), one executemany for all of them."""
    if rows:
        await session.execute(_REFRESH_HIT.execution_options(include_all_tenants=True), list(rows))


async def lapse_hits(session: AsyncSession, hit_ids: Sequence[str]) -> None:
    """Mark hits no longer found as lapsed, in one statement."""
    if hit_ids:
        stmt = update(_HITS).where(_among(session, _HITS.c.id, hit_ids)).values(status="lapsed")
        await session.execute(stmt.execution_options(include_all_tenants=True))


async def set_screening_statuses(session: AsyncSession, statuses: dict[str, str]) -> None:
    """Set applicants' screening status (applicant id -> status): one statement per distinct status."""
    table: Any = Applicant.__table__
    by_status: dict[str, list[str]] = {}
    for applicant_id, status in statuses.items():
        by_status.setdefault(status, []).append(applicant_id)
    for status, ids in sorted(by_status.items()):
        stmt = update(table).where(_among(session, table.c.id, ids)).values(screening_status=status)
        await session.execute(stmt.execution_options(include_all_tenants=True))


async def documents_of_applicants(session: AsyncSession, applicant_ids: Sequence[str]) -> Sequence[Any]:
    """These applicants' documents (applicant id, type, issuing country, keyed number hash) in one statement."""
    if not applicant_ids:
        return []
    doc: Any = ApplicantDocument.__table__
    stmt = (
        select(doc.c.applicant_id, doc.c.doc_type, doc.c.issuing_country, doc.c.number_hash)
        .where(_among(session, doc.c.applicant_id, applicant_ids))
        .order_by(doc.c.id)
    )
    return (await session.execute(stmt)).all()


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
    """A batch of applicants of every partner still awaiting screening, in id order after `after`.

    Their documents are not loaded with them (`documents_of_applicants` reads a batch's with one array parameter).
    """
    stmt = (
        select(Applicant)
        .where(Applicant.screening_status == "pending")
        .order_by(Applicant.id)
        .limit(limit)
        # Locked so a list load committing meanwhile waits and marks them `pending` again after this batch,
        # rather than this batch overwriting that mark with a result against the older lists.
        .with_for_update()
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
