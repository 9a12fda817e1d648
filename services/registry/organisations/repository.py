"""Every SQL statement about organisations and their history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import Organisation, OrganisationChange
from shared.pagination import PageParams, keyset


async def get_organisation(session: AsyncSession, code: str) -> Organisation | None:
    return await session.get(Organisation, code)


async def get_organisation_for_update(session: AsyncSession, code: str) -> Organisation | None:
    stmt = select(Organisation).where(Organisation.code == code).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_organisation(session: AsyncSession, organisation: Organisation) -> None:
    session.add(organisation)
    await session.flush()


async def add_change(session: AsyncSession, change: OrganisationChange) -> None:
    session.add(change)
    await session.flush()


async def list_organisations(
    session: AsyncSession, page: PageParams, kind: str | None, status: str | None
) -> Sequence[Organisation]:
    stmt = select(Organisation)
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    return (await session.execute(keyset(stmt, Organisation.code, page))).scalars().all()


async def all_organisations(session: AsyncSession) -> Sequence[Organisation]:
    return (await session.execute(select(Organisation).order_by(Organisation.code))).scalars().all()


async def partner_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """Status of each of these codes that names a partner."""
    stmt = select(Organisation.code, Organisation.status).where(
        Organisation.code.in_(codes), Organisation.kind == "partner"
    )
    return {row.code: row.status for row in await session.execute(stmt)}


async def latest_change_id(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(OrganisationChange.id), 0)))).scalar_one())


async def list_changes(session: AsyncSession, code: str, page: PageParams) -> Sequence[OrganisationChange]:
    stmt = select(OrganisationChange).where(OrganisationChange.code == code)
    return (await session.execute(keyset(stmt, OrganisationChange.id, page))).scalars().all()
