"""Every SQL statement about cases and their history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.asylum.cases.models import ApplicantTenancy, Case, CaseHistoryEntry
from services.asylum.models import AccessGrant
from shared.ids import new_id
from shared.pagination import PageParams, keyset
from shared.tenancy import ALL_TENANTS, TenantScopeMissing, session_tenant


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


@dataclass(frozen=True, slots=True)
class CaseRow:
    """What a partner's read of its case shows, as plain values (no ORM object)."""

    id: str
    reference: str
    partner_id: str
    applicant_id: str
    track: str
    family_track: str | None
    citizenship_path: bool
    state: str
    state_since: datetime
    created_at: datetime


_CASES = Case.__table__
# Built once: one case of the session's partner, the tenant filter explicit (the statement has no ORM entity).
_READ_CASE = select(*(_CASES.c[name] for name in CaseRow.__slots__)).where(
    _CASES.c.id == bindparam("case_id"), _CASES.c.partner_id == bindparam("tenant")
)


async def read_case_row(session: AsyncSession, case_id: str) -> CaseRow | None:
    """One case of the session's partner as plain values: one statement.

    The session must be scoped to one partner (unscoped fails closed, as the session hook would). On PostgreSQL
    the single read runs outside a transaction: one round trip instead of three (BEGIN, SELECT, COMMIT).
    """
    tenant = session_tenant(session)
    if tenant is ALL_TENANTS:
        raise TenantScopeMissing("a partner's case is read only in a session scoped to that partner")
    params = {"case_id": case_id, "tenant": tenant}
    engine = session.bind
    if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            row = (await autocommit.execute(_READ_CASE, params)).first()
    else:
        row = (await (await session.connection()).execute(_READ_CASE, params)).first()
    if row is None:
        return None
    values: dict[str, Any] = dict(row._mapping)
    values["citizenship_path"] = bool(values["citizenship_path"])
    return CaseRow(**values)


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
