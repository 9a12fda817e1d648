"""Every payments SQL statement."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.models import Account
from shared.pagination import PageParams, keyset


async def add_account(session: AsyncSession, row: Account) -> Account:
    session.add(row)
    await session.flush()
    return row


async def get_account(session: AsyncSession, row_id: str) -> Account | None:
    return (await session.execute(select(Account).where(Account.id == row_id))).scalar_one_or_none()


async def list_accounts(session: AsyncSession, page: PageParams) -> Sequence[Account]:
    return (await session.execute(keyset(select(Account), Account.id, page))).scalars().all()
