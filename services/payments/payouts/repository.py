"""Every SQL statement about payouts, approvals, bank accounts and bank batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.banking.models import BankAccount
from services.payments.ledger.models import Account
from services.payments.obligations.models import Obligation
from services.payments.payouts.models import ACTIVE_PAYOUT_SQL, Payout, PayoutApproval
from shared.pagination import PageParams, keyset

_payouts = cast(Table, Payout.__table__)


async def lock_obligation_for_payout(
    session: AsyncSession, obligation_id: str, funding_account_id: str
) -> tuple[Obligation, Account | None, bool] | None:
    """The obligation (row-locked until the transaction ends), the funding account of the scoped partner if it
    exists, and whether the beneficiary's bank account is on file, in one statement; None without the obligation.
    """
    stmt = (
        select(Obligation, Account, BankAccount.id)
        .select_from(Obligation)
        .outerjoin(Account, Account.id == funding_account_id)
        .outerjoin(BankAccount, BankAccount.applicant_id == Obligation.applicant_id)
        .where(Obligation.id == obligation_id)
        .with_for_update(of=Obligation)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    obligation, account, bank_account_id = row
    return obligation, account, bank_account_id is not None


async def add_payout(session: AsyncSession, row: Payout) -> bool:
    """Insert a payout in one statement; False when the obligation already has an active payout.

    `ON CONFLICT DO NOTHING` on the partial unique index of active payouts replaces a savepoint around the
    insert (two round trips fewer); a concurrent insert of the same obligation waits for the other to commit.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {column.key: getattr(row, column.key) for column in _payouts.columns}
    stmt = (
        insert(_payouts)
        .values(values)
        .on_conflict_do_nothing(index_elements=[_payouts.c.obligation_id], index_where=text(ACTIVE_PAYOUT_SQL))
        .returning(_payouts.c.id)
    )
    return (await session.execute(stmt)).first() is not None


async def get_payout(session: AsyncSession, payout_id: str) -> Payout | None:
    """One payout of the scoped partner, or None."""
    return (await session.execute(select(Payout).where(Payout.id == payout_id))).scalar_one_or_none()


async def lock_payout(session: AsyncSession, payout_id: str) -> Payout | None:
    """One payout of the scoped partner, its row locked until the transaction ends (serialises approvals)."""
    stmt = select(Payout).where(Payout.id == payout_id).with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def find_by_end_to_end_id(session: AsyncSession, end_to_end_id: str) -> Payout | None:
    """The payout a bank statement names by end-to-end id, or None."""
    stmt = select(Payout).where(Payout.end_to_end_id == end_to_end_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_payouts(session: AsyncSession, page: PageParams, status: str | None) -> Sequence[Payout]:
    """One page of payouts, optionally in one status."""
    stmt = select(Payout)
    if status is not None:
        stmt = stmt.where(Payout.status == status)
    return (await session.execute(keyset(stmt, Payout.id, page))).scalars().all()


async def move_status(session: AsyncSession, payout_id: str, from_states: Sequence[str], to_status: str) -> bool:
    """Change the status only from one of `from_states`; False when another request moved it first."""
    result = await session.execute(
        update(Payout)
        .where(Payout.id == payout_id, Payout.status.in_(list(from_states)))
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_transfer(session: AsyncSession, payout_id: str, transfer_id: str) -> None:
    """Record the transfer that executed a payout."""
    await session.execute(
        update(Payout)
        .where(Payout.id == payout_id)
        .values(transfer_id=transfer_id)
        .execution_options(synchronize_session=False)
    )


async def add_approval(session: AsyncSession, row: PayoutApproval) -> bool:
    """Record an approval; False when this approver already approved (primary key)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def list_approvers(session: AsyncSession, payout_id: str) -> list[str]:
    """The subjects who approved a payout, sorted."""
    stmt = (
        select(PayoutApproval.approver).where(PayoutApproval.payout_id == payout_id).order_by(PayoutApproval.approver)
    )
    return list((await session.execute(stmt)).scalars().all())


async def list_approvers_of(session: AsyncSession, payout_ids: Sequence[str]) -> dict[str, list[str]]:
    """The sorted approvers of each of several payouts, in one query (payouts without any are absent)."""
    stmt = (
        select(PayoutApproval.payout_id, PayoutApproval.approver)
        .where(PayoutApproval.payout_id.in_(payout_ids))
        .order_by(PayoutApproval.payout_id, PayoutApproval.approver)
    )
    approvers: dict[str, list[str]] = {}
    for payout_id, approver in (await session.execute(stmt)).all():
        approvers.setdefault(payout_id, []).append(approver)
    return approvers


async def add(session: AsyncSession, row: object) -> None:
    """Add a row and flush it."""
    session.add(row)
    await session.flush()


async def list_unbatched_executed(session: AsyncSession, funding_account_id: str) -> Sequence[Payout]:
    """Executed payouts of a funding account in no bank file yet, locked for batching."""
    stmt = (
        select(Payout)
        .where(
            Payout.funding_account_id == funding_account_id,
            Payout.status == "executed",
            Payout.batch_id.is_(None),
        )
        .order_by(Payout.id)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalars().all()


async def assign_batch(session: AsyncSession, payout_ids: Sequence[str], batch_id: str) -> None:
    """Attach payouts that are in no bank file yet to a bank batch."""
    await session.execute(
        update(Payout)
        .where(Payout.id.in_(list(payout_ids)), Payout.batch_id.is_(None))
        .values(batch_id=batch_id)
        .execution_options(synchronize_session=False)
    )


async def lock_for_batch(session: AsyncSession, payout_ids: Sequence[str]) -> None:
    """Row-lock the payouts' obligations in id order, then the payouts in id order, until the transaction ends.

    A single execution locks an obligation, then its payout, then the ledger: taking every obligation and payout
    of a batch first, each kind in one order, two batches or a batch and single executions never wait in a
    cycle.
    """
    ids = sorted(set(payout_ids))
    of_payouts = select(Payout.obligation_id).where(Payout.id.in_(ids)).scalar_subquery()
    obligations = select(Obligation.id).where(Obligation.id.in_(of_payouts)).order_by(Obligation.id).with_for_update()
    await session.execute(obligations)
    await session.execute(select(Payout.id).where(Payout.id.in_(ids)).order_by(Payout.id).with_for_update())
