"""Every SQL statement about dependants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.family.models import Dependant, FamilyLink
from shared.ids import new_id


async def add_dependant(session: AsyncSession, dependant: Dependant) -> Dependant:
    session.add(dependant)
    await session.flush()
    return dependant


async def get_dependant(session: AsyncSession, case_id: str, dependant_id: str) -> Dependant | None:
    stmt = select(Dependant).where(Dependant.case_id == case_id, Dependant.id == dependant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_dependants(session: AsyncSession, case_id: str) -> Sequence[Dependant]:
    stmt = select(Dependant).where(Dependant.case_id == case_id).order_by(Dependant.id)
    return (await session.execute(stmt)).scalars().all()


async def list_person_refs(session: AsyncSession, case_id: str) -> set[str]:
    """The eligibility ids of the people already on a case."""
    stmt = select(Dependant.person_ref).where(Dependant.case_id == case_id, Dependant.person_ref.is_not(None))
    return {ref for ref in (await session.execute(stmt)).scalars().all() if ref is not None}


async def add_family_links(
    session: AsyncSession, partner_id: str, main_applicant_id: str, member_ids: Sequence[str], at: datetime
) -> None:
    """Remember family members of a main applicant; members already remembered are left as they are."""
    if not member_ids:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "id": new_id(),
            "partner_id": partner_id,
            "main_applicant_id": main_applicant_id,
            "member_applicant_id": member,
            "heard_at": at,
        }
        for member in dict.fromkeys(member_ids)
    ]
    await session.execute(
        insert(FamilyLink)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["partner_id", "main_applicant_id", "member_applicant_id"])
    )


async def list_family_members(session: AsyncSession, main_applicant_id: str) -> Sequence[str]:
    """The remembered family members of a main applicant of the session's partner, first heard of first."""
    stmt = (
        select(FamilyLink.member_applicant_id)
        .where(FamilyLink.main_applicant_id == main_applicant_id)
        .order_by(FamilyLink.heard_at, FamilyLink.id)
    )
    return (await session.execute(stmt)).scalars().all()
