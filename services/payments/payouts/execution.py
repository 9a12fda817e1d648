"""Payout execution: the payout's ledger transfer posted once (through FX if needed), undone by reversal."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.fx import FxRate, cost_in_base
from services.payments.domain.money import Money
from services.payments.errors import TransferNotFound
from services.payments.ledger import accounts
from services.payments.ledger import service as ledger
from services.payments.ledger.errors import TransferAlreadyReversed, TransferNotReversible
from services.payments.ledger.service import Leg
from services.payments.obligations import service as obligation_service
from services.payments.obligations.errors import ObligationAlreadyPaid
from services.payments.payouts import repository
from services.payments.payouts.errors import (
    FxRateMissing,
    PayoutNotApproved,
    PayoutStateRefused,
)
from services.payments.payouts.models import Payout
from services.payments.payouts.service import get_payout, to_read
from shared.auth import Principal
from shared.changes import Announcement, Change, record_change
from shared.crypto import FieldCipher
from shared.outbox import EventPublisher
from shared.schemas.payments import (
    PAYOUT_STATUS_CHANGED,
    AccountKind,
    PayoutRead,
    PayoutStatus,
    PayoutStatusChanged,
)


def status_announcement(row: Payout) -> Announcement:
    """The event that announces the payout's new status."""
    event = PayoutStatusChanged(
        payout_id=row.id,
        obligation_id=row.obligation_id,
        applicant_id=row.applicant_id,
        partner_id=row.partner_id,
        status=PayoutStatus(row.status),
        currency=row.currency,
        amount_minor=row.amount_minor,
        changed_at=datetime.now(UTC),
    )
    return Announcement(PAYOUT_STATUS_CHANGED, event)


async def announce_status(session: AsyncSession, publisher: EventPublisher, row: Payout) -> None:
    """Publish the payout's new status in the same transaction (outbox)."""
    announcement = status_announcement(row)
    await publisher.publish(session, announcement.event_type, announcement.data, partner_id=row.partner_id)


async def execute_payout(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, payout_id: str
) -> PayoutRead:
    """Post the payout's ledger transfer once: payable debited, funding credited (through FX if needed)."""
    row = await get_payout(session, payout_id)
    # Obligation first, then payout, the order create_payout takes them in: the other order deadlocked against
    # a concurrent create of the same obligation (its insert waits on this payout's row, this on its lock).
    await obligation_service.get_obligation(session, row.obligation_id, for_update=True)
    if not await repository.move_status(session, row.id, [PayoutStatus.approved.value], PayoutStatus.executed.value):
        await session.refresh(row)
        if row.status == PayoutStatus.pending_approval.value:
            raise PayoutNotApproved(f"Payout {row.id} has {row.required_approvals} approval(s) to collect first.")
        raise PayoutStateRefused(f"Payout {row.id} is {row.status} and cannot be executed.")
    if not await obligation_service.move_status(session, row.obligation_id, "due", "paid"):
        raise ObligationAlreadyPaid(f"Obligation {row.obligation_id} is not due any more.")
    transfer = await ledger.post_transfer(
        session,
        partner_id=row.partner_id,
        kind="payout",
        memo=f"payout {row.id}",
        legs=await _payout_legs(session, row),
        created_by=actor.subject,
        payout_id=row.id,
    )
    await repository.set_transfer(session, row.id, transfer.id)
    await session.refresh(row)
    # Announced by the payout status event, not a second time as a generic change.
    await record_change(
        session,
        publisher,
        Change(actor, "payout", row.id, "executed", partner_id=row.partner_id, announced_by=status_announcement(row)),
    )
    return await to_read(session, row)


async def _payout_legs(session: AsyncSession, row: Payout) -> list[Leg]:
    funding = await accounts.get_account(session, row.funding_account_id)
    payable = await accounts.ensure_system_account(
        session, row.partner_id, AccountKind.beneficiary_payable, row.currency
    )
    if funding.currency == row.currency:
        return [Leg(payable, row.amount_minor), Leg(funding, -row.amount_minor)]
    if row.fx_rate is None or row.fx_source is None or row.fx_observed_at is None:
        raise FxRateMissing(f"Payout {row.id} crosses currencies but has no recorded rate.")
    rate = FxRate(funding.currency, row.currency, Decimal(row.fx_rate), row.fx_source, row.fx_observed_at)
    cost = cost_in_base(Money(row.amount_minor, row.currency), rate)
    fx_target = await accounts.ensure_system_account(session, row.partner_id, AccountKind.fx, row.currency)
    fx_base = await accounts.ensure_system_account(session, row.partner_id, AccountKind.fx, funding.currency)
    legs = [
        Leg(payable, row.amount_minor),
        Leg(fx_target, -row.amount_minor),
        Leg(fx_base, cost.at_rate.minor),
        Leg(funding, -cost.debit.minor),
    ]
    if cost.rounding.minor:
        rounding = await accounts.ensure_system_account(
            session, row.partner_id, AccountKind.fx_rounding, funding.currency
        )
        legs.append(Leg(rounding, cost.rounding.minor))
    return legs


async def undo_payout(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    row: Payout,
    to_status: PayoutStatus,
    reason: str,
    *,
    sealed: ledger.SealedMemo | None = None,
) -> bool:
    """Reverse an executed payout's transfer and make its obligation due again; False if already undone."""
    done = [PayoutStatus.executed.value, PayoutStatus.settled.value]
    if not await repository.move_status(session, row.id, done, to_status.value):
        return False
    transfer = await ledger.require_transfer(session, row.transfer_id)
    await ledger.reverse_transfer(session, publisher, actor, transfer, reason, sealed=sealed)
    await obligation_service.move_status(session, row.obligation_id, "paid", "due")
    await session.refresh(row)
    await announce_status(session, publisher, row)
    return True


async def reverse_transfer(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    transfer_id: str,
    reason: str,
) -> str:
    """Reverse a contribution or a payout through the API; a payout's obligation becomes due again."""
    # Concurrent reversals of one transfer queue on its row; each later one then finds the first's reversal.
    transfer = await ledger.lock_transfer(session, transfer_id)
    if transfer is None:
        raise TransferNotFound(f"No transfer {transfer_id} exists for your organisation.")
    if await ledger.find_reversal(session, transfer.id) is not None:
        raise TransferAlreadyReversed(f"Transfer {transfer.id} was already reversed.")
    # The person's reason is kept encrypted; the clear memo only says what the transfer is.
    memo = f"reversal of {transfer.kind} transfer {transfer.id}"
    sealed = await ledger.seal_memo(session, cipher, transfer.partner_id, reason)
    if transfer.kind == "contribution":
        return (await ledger.reverse_transfer(session, publisher, actor, transfer, memo, sealed=sealed)).id
    if transfer.kind == "payout" and transfer.payout_id is not None:
        payout = await get_payout(session, transfer.payout_id)
        if not await undo_payout(session, publisher, actor, payout, PayoutStatus.reversed, memo, sealed=sealed):
            raise TransferAlreadyReversed(f"Payout {payout.id} was already undone.")
        reversal = await ledger.find_reversal(session, transfer.id)
        assert reversal is not None
        return reversal.id
    raise TransferNotReversible(f"A {transfer.kind} transfer is not reversed through the API.")
