"""Batches of payout executions: many approved payouts executed in one request, each whole or not at all.

Every obligation and payout of the batch is locked first (each kind in id order). Then, when every payout of
the batch can be executed (approved, its obligation due, paid from a funding account in its own currency,
the funds enough for all of them in request order, no id twice), the whole batch takes the bulk path: the
chain head and the accounts locked (as a single execution takes them), the statuses moved by guarded updates
whose counts are checked, the transfers and chained entries streamed with COPY, each balance moved once,
audit entries and status events written together. Otherwise each payout is executed in request order exactly
as alone, inside a savepoint: a refused one (not approved, already executed, funds too low) is rolled back to
its savepoint, leaving nothing of it, and stops no other. Both paths write the same rows and answer the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.ledger.accounts import ensure_system_account
from services.payments.ledger.batches import (
    Balances,
    get_accounts,
    lock_balances,
    lock_chain,
    problem_of,
    write_payout_transfers,
)
from services.payments.ledger.models import Account
from services.payments.obligations.models import Obligation
from services.payments.payouts import repository
from services.payments.payouts.execution import execute_payout
from services.payments.payouts.models import Payout
from services.payments.payouts.service import payout_to_read
from shared.auth import Principal
from shared.changes import Announcement, Change, record_changes
from shared.errors import ProblemError
from shared.ids import new_ids
from shared.outbox import EventPublisher
from shared.schemas.payment_batches import PayoutBatchExecute, PayoutBatchItem, PayoutBatchRead
from shared.schemas.payments import (
    PAYOUT_STATUS_CHANGED,
    AccountKind,
    PayoutStatus,
    PayoutStatusChanged,
)

_payouts = cast(Table, Payout.__table__)
_obligations = cast(Table, Obligation.__table__)


async def execute_payouts(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    data: PayoutBatchExecute,
    *,
    instance: str | None = None,
) -> PayoutBatchRead:
    """Execute many approved payouts of the actor's partner in one transaction, each whole or not at all."""
    await repository.lock_for_batch(session, data.payout_ids)
    bulk = await _bulk_plan(session, data.payout_ids)
    if bulk is not None and (done := await _execute_bulk(session, publisher, actor, bulk)) is not None:
        return done
    items: list[PayoutBatchItem] = []
    for index, payout_id in enumerate(data.payout_ids):
        try:
            async with session.begin_nested():
                payout = await execute_payout(session, publisher, actor, payout_id)
        except ProblemError as error:
            items.append(PayoutBatchItem(index=index, status=error.status, problem=problem_of(error, instance)))
            continue
        items.append(PayoutBatchItem(index=index, status=200, payout=payout))
    executed = sum(1 for item in items if item.status == 200)
    return PayoutBatchRead(executed=executed, refused=len(items) - executed, items=items)


@dataclass
class BulkPlan:
    """A batch every payout of which can be executed: the payouts in request order and their accounts."""

    payouts: list[Payout]
    funding: dict[str, Account]


async def _bulk_plan(session: AsyncSession, payout_ids: list[str]) -> BulkPlan | None:
    """The batch as a bulk plan when nothing in it could be refused before the balances are seen, else None.

    Read after the payouts and obligations are locked, so what is seen here stays true until the end.
    """
    if len(set(payout_ids)) != len(payout_ids):
        return None
    found = {p.id: p for p in (await session.execute(select(Payout).where(Payout.id.in_(payout_ids)))).scalars()}
    if len(found) != len(payout_ids) or any(p.status != PayoutStatus.approved.value for p in found.values()):
        return None
    obligation_ids = sorted({p.obligation_id for p in found.values()})
    due = await session.execute(
        select(Obligation.id).where(Obligation.id.in_(obligation_ids), Obligation.status == "due")
    )
    if len(due.all()) != len(obligation_ids) or len(obligation_ids) != len(payout_ids):
        return None
    funding = await get_accounts(session, sorted({p.funding_account_id for p in found.values()}))
    payouts = [found[payout_id] for payout_id in payout_ids]
    for payout in payouts:
        account = funding.get(payout.funding_account_id)
        if account is None or account.currency != payout.currency or account.kind != AccountKind.funding.value:
            return None  # missing, or a payout through FX: the single path knows every such case
    return BulkPlan(payouts, funding)


async def _execute_bulk(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, plan: BulkPlan
) -> PayoutBatchRead | None:
    """Execute every payout of the plan at once; None (nothing written) when the funds fall short for one."""
    partner_id = actor.org
    payable = {
        currency: await ensure_system_account(session, partner_id, AccountKind.beneficiary_payable, currency)
        for currency in sorted({p.currency for p in plan.payouts})
    }
    chain = await lock_chain(session, partner_id)
    balances: Balances = await lock_balances(session, [*plan.funding.values(), *payable.values()])
    for payout in plan.payouts:
        owed, funding = payable[payout.currency], plan.funding[payout.funding_account_id]
        if balances.refusal([(owed.id, payout.amount_minor), (funding.id, -payout.amount_minor)]) is not None:
            return None  # the single path, item by item, says which and why
    now = datetime.now(UTC)
    ids = iter(new_ids(3 * len(plan.payouts)))
    transfers: list[tuple[object, ...]] = []
    moves: list[dict[str, Any]] = []
    for payout in plan.payouts:
        transfer_id = next(ids)
        transfers.append((transfer_id, partner_id, "payout", f"payout {payout.id}", payout.id, actor.subject, now))
        owed, funding = payable[payout.currency], plan.funding[payout.funding_account_id]
        legs = [(owed, payout.amount_minor, next(ids)), (funding, -payout.amount_minor, next(ids))]
        chain.append(partner_id, transfer_id, "payout", legs, now)
        moves.append({"b_id": payout.id, "b_transfer": transfer_id})
    paid = await session.execute(
        update(_obligations)
        .where(_obligations.c.id.in_([p.obligation_id for p in plan.payouts]), _obligations.c.status == "due")
        .values(status="paid")
    )
    await write_payout_transfers(session, partner_id, balances, transfers, chain)
    moved = await session.execute(
        update(_payouts)
        .where(_payouts.c.id == bindparam("b_id"), _payouts.c.status == PayoutStatus.approved.value)
        .values(status=PayoutStatus.executed.value, transfer_id=bindparam("b_transfer")),
        moves,
    )
    counts = (moved.rowcount, paid.rowcount)  # type: ignore[attr-defined]
    if counts != (len(plan.payouts), len(plan.payouts)):
        # Cannot happen under the row locks; the transaction is abandoned rather than pay without a status move.
        raise RuntimeError(f"a locked payout or obligation moved under a batch: {counts}")
    approvers = await repository.list_approvers_of(session, [p.id for p in plan.payouts])
    changes: list[Change] = []
    items: list[PayoutBatchItem] = []
    for index, (payout, transfer) in enumerate(zip(plan.payouts, transfers, strict=True)):
        # Announced by the payout status event, not a second time as a generic change (as alone).
        event = PayoutStatusChanged(
            payout_id=payout.id,
            obligation_id=payout.obligation_id,
            applicant_id=payout.applicant_id,
            partner_id=payout.partner_id,
            status=PayoutStatus.executed,
            currency=payout.currency,
            amount_minor=payout.amount_minor,
            changed_at=now,
        )
        changes.append(
            Change(
                actor,
                "payout",
                payout.id,
                "executed",
                partner_id=partner_id,
                announced_by=Announcement(PAYOUT_STATUS_CHANGED, event),
            )
        )
        fields = {column.key: getattr(payout, column.key) for column in _payouts.columns}
        fields.update(status=PayoutStatus.executed.value, transfer_id=transfer[0])
        read = payout_to_read(cast(Payout, SimpleNamespace(**fields)), approvers.get(payout.id, []))
        items.append(PayoutBatchItem(index=index, status=200, payout=read))
    await record_changes(session, publisher, changes)
    return PayoutBatchRead(executed=len(items), refused=0, items=items)
