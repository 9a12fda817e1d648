"""Testimony business rules: no FastAPI here, flush but never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony import repository
from services.testimony.errors import TestimonyNotFound
from services.testimony.models import Testimony, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.ids import new_id
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.testimony import TestimonyCreate, TestimonyRead


def to_read(row: Testimony) -> TestimonyRead:
    """The wire form of a row."""
    return TestimonyRead(
        id=row.id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        language=row.language,
        created_at=row.created_at,
    )


async def create_testimony(session: AsyncSession, actor: Principal, data: TestimonyCreate) -> TestimonyRead:
    """Create a record for the actor's partner."""
    row = Testimony(
        id=new_id(),
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        language=data.language,
        created_at=datetime.now(UTC),
    )
    await repository.add_testimony(session, row)
    await record_audit(
        session,
        tables,
        actor,
        "testimony.created",
        "testimony",
        row.id,
        partner_id=actor.org,
    )
    return to_read(row)


async def read_testimony(session: AsyncSession, row_id: str) -> TestimonyRead:
    """One record of the session's partner."""
    row = await repository.get_testimony(session, row_id)
    if row is None:
        raise TestimonyNotFound(f"No testimony {row_id} exists for your organisation.")
    return to_read(row)


async def list_testimonies(session: AsyncSession, page: PageParams) -> Page[TestimonyRead]:
    """One page of the session's partner's records."""
    items, cursor = split_page(await repository.list_testimonies(session, page), page, lambda r: r.id)
    return Page[TestimonyRead](items=[to_read(r) for r in items], next_cursor=cursor)
