"""Asylum business rules: no FastAPI here, flush but never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum import repository
from services.asylum.errors import CaseNotFound
from services.asylum.models import Case, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.ids import new_id
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import CaseCreate, CaseRead
from shared.schemas.common import Page


def to_read(row: Case) -> CaseRead:
    """The wire form of a row."""
    return CaseRead(
        id=row.id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        state=row.state,
        created_at=row.created_at,
    )


async def create_case(session: AsyncSession, actor: Principal, data: CaseCreate) -> CaseRead:
    """Create a record for the actor's partner."""
    row = Case(
        id=new_id(),
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        state="registered",
        created_at=datetime.now(UTC),
    )
    await repository.add_case(session, row)
    await record_audit(session, tables, actor, "case.created", "case", row.id, partner_id=actor.org)
    return to_read(row)


async def read_case(session: AsyncSession, row_id: str) -> CaseRead:
    """One record of the session's partner."""
    row = await repository.get_case(session, row_id)
    if row is None:
        raise CaseNotFound(f"No case {row_id} exists for your organisation.")
    return to_read(row)


async def list_cases(session: AsyncSession, page: PageParams) -> Page[CaseRead]:
    """One page of the session's partner's records."""
    items, cursor = split_page(await repository.list_cases(session, page), page, lambda r: r.id)
    return Page[CaseRead](items=[to_read(r) for r in items], next_cursor=cursor)
