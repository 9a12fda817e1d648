"""Every SQL statement of the auditor views (sessions are scoped to one mandated partner)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.ledger.chain import iso_utc
from services.payments.ledger.models import Account, Entry
from shared.pagination import PageParams, keyset

if TYPE_CHECKING:
    from psycopg import AsyncConnection


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


# One export row: seq, id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor,
# created_at (already in the chain's text form), prev_hash, hash.
ExportRow = tuple[int, str, str, str, str, str, str, int, str, str, str]

# PostgreSQL renders the timestamp exactly as `iso_utc` does, and the driver hands back plain tuples: no
# datetime parsing, no result processing, no object per row (the export's hot path, millions of rows).
_PG_EXPORT = """
SELECT seq, id, partner_id, transfer_id, transfer_kind, account_id, currency, amount_minor,
       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'), prev_hash, hash
FROM entries WHERE partner_id = %s AND seq > %s ORDER BY seq LIMIT %s
"""


async def export_rows_after(session: AsyncSession, partner_id: str, after_seq: int, limit: int) -> list[ExportRow]:
    """Up to `limit` of the partner's entries after `after_seq`, in chain order, as plain tuples."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # The statement names its partner explicitly: the driver's cursor bypasses the session's tenant hook.
        driver = cast("AsyncConnection[Any]", (await connection.get_raw_connection()).driver_connection)
        async with driver.cursor() as cursor:
            await cursor.execute(_PG_EXPORT, (partner_id, after_seq, limit))
            return cast(list[ExportRow], await cursor.fetchall())
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
    return [(*row[:8], iso_utc(row[8]), *row[9:]) for row in (await session.execute(stmt)).all()]


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
