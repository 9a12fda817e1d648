"""Every SQL statement about NGO access grants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.access.models import AccessGrant
from services.asylum.models import Case, Dependant
from shared.pagination import PageParams, keyset


async def add_grant(session: AsyncSession, grant: AccessGrant) -> AccessGrant:
    session.add(grant)
    await session.flush()
    return grant


async def get_grant(session: AsyncSession, case_id: str, grant_id: str) -> AccessGrant | None:
    stmt = select(AccessGrant).where(AccessGrant.case_id == case_id, AccessGrant.id == grant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_grants(session: AsyncSession, case_id: str) -> Sequence[AccessGrant]:
    stmt = select(AccessGrant).where(AccessGrant.case_id == case_id).order_by(AccessGrant.id)
    return (await session.execute(stmt)).scalars().all()


async def revoke_active_grants(
    session: AsyncSession, case_id: str, ngo_org: str, revoked_at: datetime, revoked_by: str
) -> int:
    stmt = (
        update(AccessGrant)
        .where(AccessGrant.case_id == case_id, AccessGrant.ngo_org == ngo_org, AccessGrant.revoked_at.is_(None))
        .values(revoked_at=revoked_at, revoked_by=revoked_by)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def get_active_grant_for_ngo(session: AsyncSession, ngo_org: str, case_id: str) -> AccessGrant | None:
    stmt = (
        select(AccessGrant)
        .where(AccessGrant.ngo_org == ngo_org, AccessGrant.case_id == case_id, AccessGrant.revoked_at.is_(None))
        .order_by(AccessGrant.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_shared_case(session: AsyncSession, ngo_org: str, case_id: str) -> tuple[AccessGrant, Case, bool] | None:
    """The NGO's active grant on a case, the case, and whether it has dependants: one statement.

    The grant is the filter: no active grant of this NGO, no row. Whether dependants exist rides along, so a
    case without family costs no dependants query.
    """
    stmt = _shared_cases(ngo_org).where(AccessGrant.case_id == case_id).order_by(AccessGrant.id.desc()).limit(1)
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1], bool(row[2]))


async def list_shared_cases(
    session: AsyncSession, ngo_org: str, page: PageParams
) -> Sequence[tuple[AccessGrant, Case, bool]]:
    """One page of the NGO's active grants with their cases and whether each has dependants, in one statement."""
    # `keyset` takes single-entity selects in its annotation; the statement it builds is the same.
    stmt = keyset(cast("Select[Any]", _shared_cases(ngo_org)), AccessGrant.id, page)
    rows = (await session.execute(stmt)).all()
    return [(row[0], row[1], bool(row[2])) for row in rows]


def _shared_cases(ngo_org: str) -> Select[AccessGrant, Case, bool]:
    has_dependants = exists().where(Dependant.case_id == Case.id).label("has_dependants")
    return (
        select(AccessGrant, Case, has_dependants)
        .join(Case, Case.id == AccessGrant.case_id)
        .where(AccessGrant.ngo_org == ngo_org, AccessGrant.revoked_at.is_(None))
    )
