"""Payments business rules: no FastAPI here, flush but never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments import repository
from services.payments.errors import AccountNotFound
from services.payments.models import Account, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.ids import new_id
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import AccountCreate, AccountRead


def to_read(row: Account) -> AccountRead:
    """The wire form of a row."""
    return AccountRead(
        id=row.id,
        partner_id=row.partner_id,
        currency=row.currency,
        kind=row.kind,
        balance_minor=row.balance_minor,
        created_at=row.created_at,
    )


async def create_account(session: AsyncSession, actor: Principal, data: AccountCreate) -> AccountRead:
    """Create a record for the actor's partner."""
    row = Account(
        id=new_id(),
        partner_id=actor.org,
        currency=data.currency,
        kind=data.kind.value,
        balance_minor=0,
        created_at=datetime.now(UTC),
    )
    await repository.add_account(session, row)
    await record_audit(
        session,
        tables,
        actor,
        "account.created",
        "account",
        row.id,
        partner_id=actor.org,
    )
    return to_read(row)


async def read_account(session: AsyncSession, row_id: str) -> AccountRead:
    """One record of the session's partner."""
    row = await repository.get_account(session, row_id)
    if row is None:
        raise AccountNotFound(f"No account {row_id} exists for your organisation.")
    return to_read(row)


async def list_accounts(session: AsyncSession, page: PageParams) -> Page[AccountRead]:
    """One page of the session's partner's records."""
    items, cursor = split_page(await repository.list_accounts(session, page), page, lambda r: r.id)
    return Page[AccountRead](items=[to_read(r) for r in items], next_cursor=cursor)
