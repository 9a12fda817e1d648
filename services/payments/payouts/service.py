"""Payouts: created for a due obligation (one active payout each), approved by distinct checkers, read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.config import PaymentsSettings
from services.payments.domain.errors import PaymentsDomainError
from services.payments.domain.fx import FxCost, FxRate, cost_in_base
from services.payments.domain.money import Money
from services.payments.errors import AccountKindRefused, AccountNotFound, BankAccountMissing
from services.payments.obligations.errors import (
    ObligationAlreadyPaid,
    ObligationNotDue,
    ObligationNotFound,
    ObligationSuperseded,
)
from services.payments.payouts import repository
from services.payments.payouts.errors import (
    ApproverNotDistinct,
    FxRateMissing,
    PayoutNotFound,
    PayoutSelfApproval,
    PayoutStateRefused,
)
from services.payments.payouts.models import Payout, PayoutApproval
from shared.auth import Principal
from shared.changes import Change, prepare_change, record_change
from shared.idempotency import Idempotency, completed_concurrently
from shared.ids import new_id
from shared.money import MAX_AMOUNT_MINOR
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import (
    AccountKind,
    FxRateIn,
    PayoutCreate,
    PayoutRead,
    PayoutStatus,
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


def price_fx(amount: Money, funding_currency: str, fx: FxRateIn | None) -> FxCost | None:
    """The FX cost of paying an obligation's amount from a funding account in another currency (None if same)."""
    if funding_currency == amount.currency:
        if fx is not None:
            raise FxRateMissing("The funding account and the obligation share a currency; send no rate.")
        return None
    if fx is None:
        raise FxRateMissing(
            f"The funding account is in {funding_currency} and the obligation in {amount.currency}: send `fx`."
        )
    try:
        rate = FxRate(funding_currency, amount.currency, fx.rate, fx.source, fx.observed_at)
        cost = cost_in_base(amount, rate)
    except PaymentsDomainError as exc:
        raise FxRateMissing(f"The rate cannot be used: {exc}") from exc
    if cost.debit.minor > MAX_AMOUNT_MINOR:
        raise FxRateMissing(
            f"At this rate the payout would cost more than the limit of {MAX_AMOUNT_MINOR} minor units; "
            "check the rate's direction (one unit of the funding currency in the obligation's currency)."
        )
    return cost


async def create_payout(
    session: AsyncSession,
    settings: PaymentsSettings,
    publisher: EventPublisher,
    actor: Principal,
    data: PayoutCreate,
    idem: Idempotency,
) -> bytes:
    """Create a payout for a due obligation and remember the answer under the request's key; the answer's JSON.

    A second active payout of the obligation is refused by the database. Plain rows and statements built once
    (no ORM objects, no flush): one read that locks the obligation, then one write (on PostgreSQL) of the payout,
    its audit entry, its event and the stored answer, all or nothing.
    """
    found = await repository.source_of_payout(session, data.obligation_id, data.funding_account_id)
    if found is None:
        raise ObligationNotFound(f"No obligation {data.obligation_id} exists for your organisation.")
    if found.status == "waiting":
        raise ObligationNotDue(f"Obligation {found.id} still waits for `{found.trigger}`.")
    if found.status == "paid":
        raise ObligationAlreadyPaid(f"Obligation {found.id} is already paid.")
    if found.status == "superseded":
        raise ObligationSuperseded(f"Obligation {found.id} was replaced by a later approval and is never paid.")
    if found.funding_id is None:
        raise AccountNotFound(f"No account {data.funding_account_id} exists for your organisation.")
    if found.funding_kind != AccountKind.funding.value:
        raise AccountKindRefused("Payouts draw on a funding account.")
    amount = Money(found.amount_minor, found.currency)
    cost = price_fx(amount, found.funding_currency, data.fx)
    if not found.has_bank_account:
        raise BankAccountMissing("Register the beneficiary's bank account before creating a payout.")
    required = count_required_approvals(settings, amount)
    payout_id = new_id()
    values: dict[str, Any] = {
        "id": payout_id,
        "partner_id": actor.org,
        "obligation_id": found.id,
        "applicant_id": found.applicant_id,
        "funding_account_id": found.funding_id,
        "currency": found.currency,
        "amount_minor": found.amount_minor,
        "status": PayoutStatus.pending_approval.value if required else PayoutStatus.approved.value,
        "required_approvals": required,
        "created_by": actor.subject,
        "end_to_end_id": payout_id.replace("-", ""),
        "transfer_id": None,
        "batch_id": None,
        "fx_rate": str(cost.rate.rate) if cost else None,
        "fx_source": cost.rate.source if cost else None,
        "fx_observed_at": cost.rate.observed_at if cost else None,
        "fx_debit_minor": cost.debit.minor if cost else None,
        "fx_residue_minor": str(cost.residue_minor) if cost else None,
        "created_at": datetime.now(UTC),
    }
    change = Change(actor, "payout", payout_id, "created", partner_id=actor.org, detail={"required": required})
    audit, events, deliveries = await prepare_change(session, publisher, change)
    # Created a moment ago in this transaction: no one can have approved it yet.
    answer = created_to_read(values).model_dump_json().encode()
    created, stored = await repository.write_created_payout(
        session, values, audit, events[0], deliveries, await idem.sealed_row(201, answer)
    )
    if not created:
        raise ObligationAlreadyPaid(f"Obligation {found.id} already has a payout in progress or paid.")
    if not stored:
        raise completed_concurrently()
    return answer


def created_to_read(values: dict[str, Any]) -> PayoutRead:
    """The wire form of a payout just created, from the values it was inserted with (no approvals yet)."""
    return PayoutRead(
        id=values["id"],
        partner_id=values["partner_id"],
        obligation_id=values["obligation_id"],
        applicant_id=values["applicant_id"],
        funding_account_id=values["funding_account_id"],
        currency=values["currency"],
        amount_minor=values["amount_minor"],
        status=PayoutStatus(values["status"]),
        required_approvals=values["required_approvals"],
        approvals=[],
        created_by=values["created_by"],
        end_to_end_id=values["end_to_end_id"],
        transfer_id=None,
        batch_id=None,
        fx_rate=values["fx_rate"],
        fx_source=values["fx_source"],
        fx_debit_minor=values["fx_debit_minor"],
        fx_residue_minor=values["fx_residue_minor"],
        created_at=values["created_at"],
    )


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
    await record_change(session, publisher, Change(actor, "payout", row.id, "approved", partner_id=row.partner_id))
    if len(await repository.list_approvers(session, row.id)) >= row.required_approvals:
        await repository.move_status(session, row.id, [PayoutStatus.pending_approval.value], PayoutStatus.approved)
        await session.refresh(row)
    return await to_read(session, row)


async def list_unbatched_executed(session: AsyncSession, funding_account_id: str) -> Sequence[Payout]:
    """Executed payouts of a funding account in no bank file yet, locked for batching."""
    return await repository.list_unbatched_executed(session, funding_account_id)


async def attach_to_bank_batch(session: AsyncSession, payout_ids: Sequence[str], batch_id: str) -> None:
    """Record that these payouts went to the bank in one bank batch."""
    await repository.assign_batch(session, payout_ids, batch_id)


async def find_by_end_to_end_id(session: AsyncSession, end_to_end_id: str) -> Payout | None:
    """The payout a bank statement names by end-to-end id, or None."""
    return await repository.find_by_end_to_end_id(session, end_to_end_id)


async def move_status(session: AsyncSession, payout_id: str, from_states: Sequence[str], to_status: str) -> bool:
    """Change a payout's status only from one of `from_states`; False when another request moved it first."""
    return await repository.move_status(session, payout_id, from_states, to_status)
