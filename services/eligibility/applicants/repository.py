"""Every SQL statement about applicants, their documents and duplicate conflicts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.eligibility.models import Applicant, ApplicantDocument, DuplicateConflict
from shared.pagination import PageParams, keyset


async def add_applicant(session: AsyncSession, applicant: Applicant) -> Applicant:
    session.add(applicant)
    await session.flush()
    return applicant


async def get_applicant(session: AsyncSession, applicant_id: str) -> Applicant | None:
    stmt = select(Applicant).where(Applicant.id == applicant_id).options(selectinload(Applicant.documents))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_applicants(session: AsyncSession, page: PageParams) -> Sequence[Applicant]:
    stmt = keyset(select(Applicant).options(selectinload(Applicant.documents)), Applicant.id, page)
    return (await session.execute(stmt)).scalars().all()


async def list_family_member_ids(session: AsyncSession, main_applicant_id: str) -> list[str]:
    stmt = select(Applicant.id).where(Applicant.main_applicant_id == main_applicant_id).order_by(Applicant.id)
    return list((await session.execute(stmt)).scalars().all())


async def lock_document_hashes(session: AsyncSession, number_hashes: Sequence[str]) -> None:
    """On PostgreSQL, serialise registrations of the same documents until this transaction ends.

    Without it, two partners registering one passport at the same moment would each miss the other.
    SQLite already runs one writer at a time.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for number_hash in sorted(set(number_hashes)):
        await session.execute(select(func.pg_advisory_xact_lock(int(number_hash[:15], 16))))


async def find_registrations_of_documents(
    session: AsyncSession, number_hashes: Sequence[str], excluding_applicant: str
) -> list[tuple[str, str]]:
    """(applicant id, partner id) of every applicant of any partner holding one of these documents."""
    stmt = (
        select(Applicant.id, Applicant.partner_id)
        .join(ApplicantDocument, ApplicantDocument.applicant_id == Applicant.id)
        .where(ApplicantDocument.number_hash.in_(number_hashes), Applicant.id != excluding_applicant)
        .distinct()
        .order_by(Applicant.id)
        .execution_options(include_all_tenants=True)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def add_conflict(session: AsyncSession, conflict: DuplicateConflict) -> None:
    session.add(conflict)
    await session.flush()


def _concerning(partner_id: str) -> ColumnElement[bool]:
    return or_(DuplicateConflict.partner_id == partner_id, DuplicateConflict.earlier_partner_id == partner_id)


async def get_conflict(session: AsyncSession, reference: str, partner_id: str) -> DuplicateConflict | None:
    stmt = select(DuplicateConflict).where(DuplicateConflict.id == reference, _concerning(partner_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_conflicts(session: AsyncSession, partner_id: str, page: PageParams) -> Sequence[DuplicateConflict]:
    stmt = keyset(select(DuplicateConflict).where(_concerning(partner_id)), DuplicateConflict.id, page)
    return (await session.execute(stmt)).scalars().all()


async def count_open_conflicts(session: AsyncSession, applicant_id: str) -> int:
    stmt = select(DuplicateConflict.id).where(
        DuplicateConflict.applicant_id == applicant_id, DuplicateConflict.status == "open"
    )
    return len((await session.execute(stmt)).scalars().all())
