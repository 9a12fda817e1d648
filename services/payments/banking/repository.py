"""Banking SQL: beneficiaries' bank accounts, bank batches and partners' bank profiles."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.banking.models import BankAccount, BankBatch, BankProfile
from shared.db import add_in_savepoint


async def get_bank_profile(session: AsyncSession) -> BankProfile | None:
    """The scoped partner's bank profile, or None while it has set none."""
    return (await session.execute(select(BankProfile))).scalar_one_or_none()


async def lock_bank_profile(session: AsyncSession) -> BankProfile | None:
    """The scoped partner's bank profile, locked for update, or None."""
    return (await session.execute(select(BankProfile).with_for_update())).scalar_one_or_none()


async def add_bank_profile(session: AsyncSession, row: BankProfile) -> bool:
    """Insert a profile in a savepoint; False when a concurrent request created the partner's first."""
    return await add_in_savepoint(session, row)


async def get_bank_account(session: AsyncSession, applicant_id: str) -> BankAccount | None:
    """A beneficiary's bank account of the scoped partner, or None."""
    stmt = select(BankAccount).where(BankAccount.applicant_id == applicant_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_batch(session: AsyncSession, batch: BankBatch) -> None:
    """Store a bank batch."""
    session.add(batch)
    await session.flush()
