"""Every SQL statement of the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.tamper.chain import GENESIS_HASH
from services.payments.ledger.models import Account, ChainHead, Checkpoint, Contribution, Entry, Transfer
from shared.db import add_in_savepoint
from shared.money import MAX_BALANCE_MINOR
from shared.pagination import PageParams, keyset

if TYPE_CHECKING:
    from psycopg import AsyncConnection

_accounts = cast(Table, Account.__table__)
_heads = cast(Table, ChainHead.__table__)
_transfers = cast(Table, Transfer.__table__)
_contributions = cast(Table, Contribution.__table__)
_entries = cast(Table, Entry.__table__)


# Column orders of the rows a batch streams (`write_batch`, `copy_rows`).
ENTRY_COLUMNS = (
    "id",
    "partner_id",
    "transfer_id",
    "transfer_kind",
    "account_id",
    "currency",
    "amount_minor",
    "seq",
    "prev_hash",
    "hash",
    "created_at",
)
TRANSFER_COLUMNS = ("id", "partner_id", "kind", "memo", "memo_enc", "created_by", "created_at")
PAYOUT_TRANSFER_COLUMNS = ("id", "partner_id", "kind", "memo", "payout_id", "created_by", "created_at")
CONTRIBUTION_COLUMNS = (
    "id",
    "partner_id",
    "funding_account_id",
    "currency",
    "amount_minor",
    "reference_enc",
    "transfer_id",
    "created_at",
)


async def add(session: AsyncSession, row: object) -> None:
    """Add a row and flush it."""
    session.add(row)
    await session.flush()


async def get_account(session: AsyncSession, account_id: str) -> Account | None:
    """One account of the scoped partner, or None."""
    return (await session.execute(select(Account).where(Account.id == account_id))).scalar_one_or_none()


async def find_system_account(session: AsyncSession, partner_id: str, kind: str, currency: str) -> Account | None:
    """The partner's account of one kind and currency, or None."""
    stmt = select(Account).where(Account.partner_id == partner_id, Account.kind == kind, Account.currency == currency)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_system_account(session: AsyncSession, row: Account) -> bool:
    """Insert an account in a savepoint; False when a concurrent request created it first."""
    return await add_in_savepoint(session, row)


async def list_accounts(session: AsyncSession, page: PageParams) -> Sequence[Account]:
    """One page of the scoped partner's accounts."""
    return (await session.execute(keyset(select(Account), Account.id, page))).scalars().all()


async def lock_chain_head(session: AsyncSession, partner_id: str) -> tuple[int, str]:
    """Take the partner's chain head row lock (a no-op write, so SQLite takes its write lock too)."""
    for _ in range(2):
        locked = await session.execute(
            update(_heads)
            .where(_heads.c.id == partner_id)
            .values(seq=_heads.c.seq)
            .returning(_heads.c.seq, _heads.c.hash)
        )
        row = locked.first()
        if row is not None:
            return int(row.seq), str(row.hash)
        try:
            async with session.begin_nested():
                await session.execute(
                    insert(_heads).values(id=partner_id, partner_id=partner_id, seq=0, hash=GENESIS_HASH)
                )
        except IntegrityError:
            continue
    raise RuntimeError("could not lock the chain head")


async def move_chain_head(session: AsyncSession, partner_id: str, seq: int, head_hash: str) -> None:
    """Point the partner's chain head at its new last entry."""
    await session.execute(update(_heads).where(_heads.c.id == partner_id).values(seq=seq, hash=head_hash))


async def read_chain_head(session: AsyncSession, partner_id: str) -> tuple[int, str]:
    """The partner's chain head without locking it (genesis when empty)."""
    row = (await session.execute(select(_heads.c.seq, _heads.c.hash).where(_heads.c.id == partner_id))).first()
    return (int(row.seq), str(row.hash)) if row else (0, GENESIS_HASH)


async def list_chain_heads(session: AsyncSession) -> Sequence[tuple[str, int, str]]:
    """Every partner's chain head."""
    rows = await session.execute(select(_heads.c.id, _heads.c.seq, _heads.c.hash).order_by(_heads.c.id))
    return [(str(r.id), int(r.seq), str(r.hash)) for r in rows]


async def apply_balance_delta(session: AsyncSession, account_id: str, delta: int) -> bool:
    """Move a stored balance; False when it would overdraw a funding account or pass the balance limit.

    Both are checked in the row's own update, so concurrent transfers cannot race past them; the limit keeps
    every balance far inside a signed 64-bit integer (SQLite would otherwise turn an overflow into a float).
    """
    new_balance = _accounts.c.balance_minor + delta
    result = await session.execute(
        update(_accounts)
        .where(
            _accounts.c.id == account_id,
            or_(_accounts.c.kind != "funding", new_balance >= 0),
            new_balance.between(-MAX_BALANCE_MINOR, MAX_BALANCE_MINOR),
        )
        .values(balance_minor=_accounts.c.balance_minor + delta)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_entries(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    """Insert chained entries in one statement."""
    await session.execute(insert(Entry), rows)


async def get_transfer(session: AsyncSession, transfer_id: str) -> Transfer | None:
    """One transfer of the scoped partner, or None."""
    return (await session.execute(select(Transfer).where(Transfer.id == transfer_id))).scalar_one_or_none()


async def lock_transfer(session: AsyncSession, transfer_id: str) -> Transfer | None:
    """One transfer of the scoped partner, its row locked until the transaction ends (serialises reversals)."""
    stmt = (
        select(Transfer).where(Transfer.id == transfer_id).with_for_update().execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_reversal(session: AsyncSession, transfer_id: str) -> Transfer | None:
    """The transfer that reverses this one, or None."""
    stmt = select(Transfer).where(Transfer.reverses_transfer_id == transfer_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_transfer_entries(session: AsyncSession, transfer_id: str) -> Sequence[Entry]:
    """A transfer's entries in chain order."""
    stmt = select(Entry).where(Entry.transfer_id == transfer_id).order_by(Entry.seq)
    return (await session.execute(stmt)).scalars().all()


async def add_checkpoint(session: AsyncSession, row: Checkpoint) -> bool:
    """Insert a checkpoint; False when that head was already signed with this key."""
    return await add_in_savepoint(session, row)


async def latest_checkpoint_seq(session: AsyncSession, partner_id: str) -> int:
    """The highest signed position of a partner's chain (0 when none)."""
    stmt = select(func.max(Checkpoint.seq)).where(Checkpoint.partner_id == partner_id)
    return int((await session.execute(stmt.execution_options(include_all_tenants=True))).scalar_one() or 0)


async def list_checkpoints(session: AsyncSession, partner_id: str) -> Sequence[Checkpoint]:
    """A partner's checkpoints, oldest first."""
    stmt = select(Checkpoint).where(Checkpoint.partner_id == partner_id).order_by(Checkpoint.seq)
    return (await session.execute(stmt.execution_options(include_all_tenants=True))).scalars().all()


async def get_accounts(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, Account]:
    """The scoped partner's accounts among these ids, by id (unknown and other partners' ids are absent)."""
    rows = (await session.execute(select(Account).where(Account.id.in_(list(account_ids))))).scalars().all()
    return {row.id: row for row in rows}


async def lock_balances(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, int]:
    """Row-lock accounts in the order given (callers sort by id, so two batches never wait on each other in a
    cycle) and return their balances as they are now."""
    stmt = (
        select(Account.id, Account.balance_minor)
        .where(Account.id.in_(list(account_ids)))
        .order_by(Account.id)
        .with_for_update()
    )
    return {str(row.id): int(row.balance_minor) for row in await session.execute(stmt)}


async def write_batch(
    session: AsyncSession,
    partner_id: str,
    moved: dict[str, int],
    transfers: Sequence[tuple[object, ...]],
    entries: Sequence[tuple[object, ...]],
    seq: int,
    head_hash: str,
    transfer_columns: Sequence[str] = TRANSFER_COLUMNS,
) -> None:
    """Write a batch's transfers and entries, move each balance once by its net amount, advance the chain head.

    `transfers` and `entries` are rows in the column order of `transfer_columns` / `ENTRY_COLUMNS`.
    The balances were checked under their row locks; the guarded update still refuses to break the limits.
    """
    await copy_rows(session, "transfers", transfer_columns, transfers)
    await copy_rows(session, "entries", ENTRY_COLUMNS, entries)
    for account_id in sorted(moved):
        if moved[account_id] and not await apply_balance_delta(session, account_id, moved[account_id]):
            raise RuntimeError(f"the locked balance of account {account_id} moved under a batch")
    await move_chain_head(session, partner_id, seq, head_hash)


_BY_NAME = {t.name: t for t in (_transfers, _entries, _contributions)}


async def copy_rows(
    session: AsyncSession, table_name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """Insert many rows (values in `columns` order, as the columns store them) of a ledger table in one go.

    `COPY` on PostgreSQL: the driver's executemany would still execute each row as its own INSERT (pipelined),
    while COPY streams the rows into one command, with a fraction of the CPU on both sides. It runs on the
    session's connection, so in its transaction. SQLite takes one executemany.
    """
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        await session.execute(insert(_BY_NAME[table_name]), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    driver = cast("AsyncConnection[Any]", (await connection.get_raw_connection()).driver_connection)
    names = ", ".join(f'"{name}"' for name in columns)
    async with driver.cursor() as cursor, cursor.copy(f'COPY "{table_name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            await copy.write_row(row)
