"""Every SQL statement of the auditor views (sessions are scoped to one mandated partner)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.ledger.models import Account, Entry
from shared.pagination import PageParams, keyset


def _filtered(
    stmt: Select[Entry],
    account_id: str | None,
    currency: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Entry]:
    if account_id is not None:
        stmt = stmt.where(Entry.account_id == account_id)
    if currency is not None:
        stmt = stmt.where(Entry.currency == currency)
    if since is not None:
        stmt = stmt.where(Entry.created_at >= since)
    if until is not None:
        stmt = stmt.where(Entry.created_at < until)
    return stmt


async def list_entries(
    session: AsyncSession,
    page: PageParams,
    *,
    account_id: str | None = None,
    currency: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[Entry]:
    """One page (plus one row) of entries in chain order, filtered by account, currency and period."""
    stmt = _filtered(select(Entry), account_id, currency, since, until)
    return (await session.execute(keyset(stmt, Entry.seq, page))).scalars().all()


async def export_rows_after(
    session: AsyncSession, partner_id: str, after_seq: int, limit: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Plain rows (no ORM objects) for the export, which must stay fast for millions of entries."""
    t = cast(Table, Entry.__table__)
    stmt = (
        select(
            t.c.seq,
            t.c.id,
            t.c.partner_id,
            t.c.transfer_id,
            t.c.transfer_kind,
            t.c.account_id,
            t.c.currency,
            t.c.amount_minor,
            t.c.created_at,
            t.c.prev_hash,
            t.c.hash,
        )
        .where(t.c.partner_id == partner_id, t.c.seq > after_seq)
        .order_by(t.c.seq)
        .limit(limit)
    )
    return (await session.execute(stmt)).all()


async def sum_entries(
    session: AsyncSession, account_id: str, *, since: datetime | None = None, until: datetime | None = None
) -> int:
    """The sum of an account's entries, optionally within a period."""
    stmt = select(func.coalesce(func.sum(Entry.amount_minor), 0)).where(Entry.account_id == account_id)
    if since is not None:
        stmt = stmt.where(Entry.created_at >= since)
    if until is not None:
        stmt = stmt.where(Entry.created_at < until)
    return int((await session.execute(stmt)).scalar_one())


async def sums_by_account(session: AsyncSession) -> dict[str, int]:
    """Every account's balance recomputed from its entries."""
    stmt = select(Entry.account_id, func.sum(Entry.amount_minor)).group_by(Entry.account_id)
    return {str(account_id): int(total) for account_id, total in (await session.execute(stmt)).all()}


async def list_all_accounts(session: AsyncSession) -> Sequence[Account]:
    """Every account of the scoped partner, by currency and kind."""
    return (await session.execute(select(Account).order_by(Account.currency, Account.kind, Account.id))).scalars().all()


async def get_account(session: AsyncSession, account_id: str) -> Account | None:
    """One account of the scoped partner, or None."""
    return (await session.execute(select(Account).where(Account.id == account_id))).scalar_one_or_none()
