"""Payout rules: one active payout per obligation, distinct approvers, execution as a ledger transfer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.config import PaymentsSettings
from services.payments.domain.errors import PaymentsDomainError
from services.payments.domain.fx import FxCost, FxRate, cost_in_base
from services.payments.domain.money import Money
from services.payments.errors import (
    AccountKindRefused,
    ApproverNotDistinct,
    BankAccountMissing,
    FxRateMissing,
    ObligationAlreadyPaid,
    ObligationNotDue,
    ObligationSuperseded,
    PayoutNotApproved,
    PayoutNotFound,
    PayoutSelfApproval,
    PayoutStateRefused,
    TransferAlreadyReversed,
    TransferNotFound,
    TransferNotReversible,
)
from services.payments.ledger import repository as ledger_repository
from services.payments.ledger import service as ledger
from services.payments.ledger.service import SERVICE, Leg
from services.payments.models import Obligation, Payout, PayoutApproval, tables
from services.payments.obligations import repository as obligations
from services.payments.obligations import service as obligation_service
from services.payments.payouts import repository
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import record_change
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.money import MAX_AMOUNT_MINOR
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import (
    PAYOUT_STATUS_CHANGED,
    AccountKind,
    FxRateIn,
    PayoutCreate,
    PayoutRead,
    PayoutStatus,
    PayoutStatusChanged,
)


async def to_read(session: AsyncSession, row: Payout) -> PayoutRead:
    """The wire form of a payout with its approvers."""
    return payout_to_read(row, await repository.list_approvers(session, row.id))


def payout_to_read(row: Payout, approvers: list[str]) -> PayoutRead:
    """The wire form of a payout, given its sorted approvers."""
    return PayoutRead(
        id=row.id,
        partner_id=row.partner_id,
        obligation_id=row.obligation_id,
        applicant_id=row.applicant_id,
        funding_account_id=row.funding_account_id,
        currency=row.currency,
        amount_minor=row.amount_minor,
        status=PayoutStatus(row.status),
        required_approvals=row.required_approvals,
        approvals=approvers,
        created_by=row.created_by,
        end_to_end_id=row.end_to_end_id,
        transfer_id=row.transfer_id,
        batch_id=row.batch_id,
        fx_rate=row.fx_rate,
        fx_source=row.fx_source,
        fx_debit_minor=row.fx_debit_minor,
        fx_residue_minor=row.fx_residue_minor,
        created_at=row.created_at,
    )


def count_required_approvals(settings: PaymentsSettings, amount: Money) -> int:
    """How many approvers other than the creator a payout needs: one per threshold it exceeds."""
    return sum(1 for threshold in settings.thresholds_for(amount.currency) if amount.minor > threshold)


def price_fx(obligation: Obligation, funding_currency: str, fx: FxRateIn | None) -> FxCost | None:
    """The FX cost of paying the obligation from a funding account in another currency (None if same)."""
    if funding_currency == obligation.currency:
        if fx is not None:
            raise FxRateMissing("The funding account and the obligation share a currency; send no rate.")
        return None
    if fx is None:
        raise FxRateMissing(
            f"The funding account is in {funding_currency} and the obligation in {obligation.currency}: send `fx`."
        )
    try:
        rate = FxRate(funding_currency, obligation.currency, fx.rate, fx.source, fx.observed_at)
        cost = cost_in_base(Money(obligation.amount_minor, obligation.currency), rate)
    except PaymentsDomainError as exc:
        raise FxRateMissing(f"The rate cannot be used: {exc}") from exc
    if cost.debit.minor > MAX_AMOUNT_MINOR:
        raise FxRateMissing(
            f"At this rate the payout would cost more than the limit of {MAX_AMOUNT_MINOR} minor units; "
            "check the rate's direction (one unit of the funding currency in the obligation's currency)."
        )
    return cost


async def create_payout(
    session: AsyncSession, settings: PaymentsSettings, publisher: EventPublisher, actor: Principal, data: PayoutCreate
) -> PayoutRead:
    """Create a payout for a due obligation; a second active payout of it is refused by the database."""
    # Locked so that a later approval superseding this obligation and this payout cannot pass each other.
    obligation = await obligation_service.get_obligation(session, data.obligation_id, for_update=True)
    if obligation.status == "waiting":
        raise ObligationNotDue(f"Obligation {obligation.id} still waits for `{obligation.trigger}`.")
    if obligation.status == "paid":
        raise ObligationAlreadyPaid(f"Obligation {obligation.id} is already paid.")
    if obligation.status == "superseded":
        raise ObligationSuperseded(f"Obligation {obligation.id} was replaced by a later approval and is never paid.")
    funding = await ledger.get_account(session, data.funding_account_id)
    if funding.kind != AccountKind.funding.value:
        raise AccountKindRefused("Payouts draw on a funding account.")
    cost = price_fx(obligation, funding.currency, data.fx)
    if await repository.get_bank_account(session, obligation.applicant_id) is None:
        raise BankAccountMissing("Register the beneficiary's bank account before creating a payout.")
    amount = Money(obligation.amount_minor, obligation.currency)
    required = count_required_approvals(settings, amount)
    payout_id = new_id()
    row = Payout(
        id=payout_id,
        partner_id=actor.org,
        obligation_id=obligation.id,
        applicant_id=obligation.applicant_id,
        funding_account_id=funding.id,
        currency=obligation.currency,
        amount_minor=obligation.amount_minor,
        status=PayoutStatus.pending_approval.value if required else PayoutStatus.approved.value,
        required_approvals=required,
        created_by=actor.subject,
        end_to_end_id=payout_id.replace("-", ""),
        fx_rate=str(cost.rate.rate) if cost else None,
        fx_source=cost.rate.source if cost else None,
        fx_observed_at=cost.rate.observed_at if cost else None,
        fx_debit_minor=cost.debit.minor if cost else None,
        fx_residue_minor=str(cost.residue_minor) if cost else None,
        created_at=datetime.now(UTC),
    )
    if not await repository.add_payout(session, row):
        raise ObligationAlreadyPaid(f"Obligation {obligation.id} already has a payout in progress or paid.")
    await record_change(
        session,
        tables,
        publisher,
        actor,
        SERVICE,
        "payout",
        row.id,
        "created",
        partner_id=actor.org,
        detail={"required": required},
    )
    return await to_read(session, row)


async def get_payout(session: AsyncSession, payout_id: str) -> Payout:
    """One payout of the session's partner, or PayoutNotFound."""
    row = await repository.get_payout(session, payout_id)
    if row is None:
        raise PayoutNotFound(f"No payout {payout_id} exists for your organisation.")
    return row


async def read_payout(session: AsyncSession, payout_id: str) -> PayoutRead:
    """One payout of the session's partner."""
    return await to_read(session, await get_payout(session, payout_id))


async def list_payouts(session: AsyncSession, page: PageParams, status: PayoutStatus | None) -> Page[PayoutRead]:
    """One page of the session's partner's payouts."""
    rows = await repository.list_payouts(session, page, status.value if status else None)
    items, cursor = split_page(rows, page, lambda r: r.id)
    # One query for the approvers of the whole page rather than one per payout.
    approvers = await repository.list_approvers_of(session, [r.id for r in items])
    return Page[PayoutRead](items=[payout_to_read(r, approvers.get(r.id, [])) for r in items], next_cursor=cursor)


async def approve_payout(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, payout_id: str
) -> PayoutRead:
    """Add one approval by someone other than the creator; enough approvals make the payout approved."""
    # Two checkers signing at once must each see the other's approval: the row lock orders them.
    row = await repository.lock_payout(session, payout_id)
    if row is None:
        raise PayoutNotFound(f"No payout {payout_id} exists for your organisation.")
    if row.status != PayoutStatus.pending_approval.value:
        raise PayoutStateRefused(f"Payout {row.id} is {row.status}; only pending payouts take approvals.")
    if actor.subject == row.created_by:
        raise PayoutSelfApproval(
            "Maker-checker: the creator of a payout cannot approve it; another approver must sign."
        )
    approval = PayoutApproval(
        payout_id=row.id, partner_id=row.partner_id, approver=actor.subject, approved_at=datetime.now(UTC)
    )
    if not await repository.add_approval(session, approval):
        raise ApproverNotDistinct("You have already approved this payout; another approver must sign.")
    await record_change(
        session, tables, publisher, actor, SERVICE, "payout", row.id, "approved", partner_id=row.partner_id
    )
    if len(await repository.list_approvers(session, row.id)) >= row.required_approvals:
        await repository.move_status(session, row.id, [PayoutStatus.pending_approval.value], PayoutStatus.approved)
        await session.refresh(row)
    return await to_read(session, row)


async def announce_status(session: AsyncSession, publisher: EventPublisher, row: Payout) -> None:
    """Publish the payout's new status in the same transaction (outbox)."""
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
    await publisher.publish(session, PAYOUT_STATUS_CHANGED, event, partner_id=row.partner_id)


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
    if not await obligations.move_status(session, row.obligation_id, "due", "paid"):
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
    # Announced by the payout status event below, not a second time as a generic change.
    await record_audit(session, tables, actor, "payout.executed", "payout", row.id, partner_id=row.partner_id)
    await announce_status(session, publisher, row)
    return await to_read(session, row)


async def _payout_legs(session: AsyncSession, row: Payout) -> list[Leg]:
    funding = await ledger.get_account(session, row.funding_account_id)
    payable = await ledger.ensure_system_account(session, row.partner_id, AccountKind.beneficiary_payable, row.currency)
    if funding.currency == row.currency:
        return [Leg(payable, row.amount_minor), Leg(funding, -row.amount_minor)]
    if row.fx_rate is None or row.fx_source is None or row.fx_observed_at is None:
        raise FxRateMissing(f"Payout {row.id} crosses currencies but has no recorded rate.")
    rate = FxRate(funding.currency, row.currency, Decimal(row.fx_rate), row.fx_source, row.fx_observed_at)
    cost = cost_in_base(Money(row.amount_minor, row.currency), rate)
    fx_target = await ledger.ensure_system_account(session, row.partner_id, AccountKind.fx, row.currency)
    fx_base = await ledger.ensure_system_account(session, row.partner_id, AccountKind.fx, funding.currency)
    legs = [
        Leg(payable, row.amount_minor),
        Leg(fx_target, -row.amount_minor),
        Leg(fx_base, cost.at_rate.minor),
        Leg(funding, -cost.debit.minor),
    ]
    if cost.rounding.minor:
        rounding = await ledger.ensure_system_account(
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
    await obligations.move_status(session, row.obligation_id, "paid", "due")
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
    transfer = await ledger_repository.lock_transfer(session, transfer_id)
    if transfer is None:
        raise TransferNotFound(f"No transfer {transfer_id} exists for your organisation.")
    if await ledger_repository.find_reversal(session, transfer.id) is not None:
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
        reversal = await ledger_repository.find_reversal(session, transfer.id)
        assert reversal is not None
        return reversal.id
    raise TransferNotReversible(f"A {transfer.kind} transfer is not reversed through the API.")
