"""Every SQL statement about cases and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases.models import ApplicantTenancy, Case, CaseHistoryEntry
from services.asylum.models import AccessGrant
from shared.ids import new_id
from shared.pagination import PageParams, keyset


async def add_case(session: AsyncSession, case: Case) -> Case:
    session.add(case)
    await session.flush()
    return case


async def add_history(session: AsyncSession, entry: CaseHistoryEntry) -> CaseHistoryEntry:
    session.add(entry)
    await session.flush()
    return entry


async def save_case(session: AsyncSession) -> None:
    await session.flush()


async def get_case(session: AsyncSession, case_id: str) -> Case | None:
    return (await session.execute(select(Case).where(Case.id == case_id))).scalar_one_or_none()


async def get_case_for_update(session: AsyncSession, case_id: str) -> Case | None:
    stmt = select(Case).where(Case.id == case_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_case_of_applicant(session: AsyncSession, partner_id: str, applicant_id: str) -> Case | None:
    # The partner is named explicitly: a transfer checks the receiving partner, not the caller.
    stmt = (
        select(Case)
        .where(Case.partner_id == partner_id, Case.applicant_id == applicant_id)
        .execution_options(include_all_tenants=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_case_by_reference(session: AsyncSession, reference: str) -> Case | None:
    stmt = select(Case).where(Case.reference == reference).execution_options(include_all_tenants=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def reference_taken(session: AsyncSession, reference: str) -> bool:
    return await get_case_by_reference(session, reference) is not None


async def list_cases(
    session: AsyncSession, page: PageParams, state: str | None, applicant_id: str | None
) -> Sequence[Case]:
    stmt = select(Case)
    if state is not None:
        stmt = stmt.where(Case.state == state)
    if applicant_id is not None:
        stmt = stmt.where(Case.applicant_id == applicant_id)
    return (await session.execute(keyset(stmt, Case.id, page))).scalars().all()


async def list_history(session: AsyncSession, case_id: str, page: PageParams) -> Sequence[CaseHistoryEntry]:
    stmt = select(CaseHistoryEntry).where(CaseHistoryEntry.case_id == case_id)
    return (await session.execute(keyset(stmt, CaseHistoryEntry.id, page))).scalars().all()


async def move_grants_to_partner(session: AsyncSession, case_id: str, to_partner: str) -> None:
    stmt = (
        update(AccessGrant)
        .where(AccessGrant.case_id == case_id)
        .values(partner_id=to_partner)
        .execution_options(include_all_tenants=True, synchronize_session=False)
    )
    await session.execute(stmt)


async def add_applicant_tenancy(
    session: AsyncSession, partner_id: str, applicant_id: str, basis: str, at: datetime
) -> None:
    """Let a partner open a case for an applicant; a right it already has is left as it is."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = {"id": new_id(), "partner_id": partner_id, "applicant_id": applicant_id, "basis": basis, "since": at}
    await session.execute(
        insert(ApplicantTenancy).values(row).on_conflict_do_nothing(index_elements=["partner_id", "applicant_id"])
    )


async def has_applicant_tenancy(session: AsyncSession, partner_id: str, applicant_id: str) -> bool:
    stmt = select(ApplicantTenancy.id).where(
        ApplicantTenancy.partner_id == partner_id, ApplicantTenancy.applicant_id == applicant_id
    )
    return (await session.execute(stmt)).first() is not None


async def list_transfers(session: AsyncSession, case_id: str) -> Sequence[tuple[str | None, str | None]]:
    """(from partner, to partner) of each transfer of a case, oldest first."""
    stmt = (
        select(CaseHistoryEntry.from_partner, CaseHistoryEntry.to_partner)
        .where(CaseHistoryEntry.case_id == case_id, CaseHistoryEntry.kind == "transfer")
        .order_by(CaseHistoryEntry.id)
    )
    return [(row.from_partner, row.to_partner) for row in (await session.execute(stmt)).all()]
