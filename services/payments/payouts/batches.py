"""Batches of payout executions: many approved payouts executed in one request, each whole or not at all.

Every obligation and payout of the batch is locked first (each kind in id order), then each payout is executed
in request order exactly as alone, inside a savepoint: a refused one (not approved, already executed, funds
too low) is rolled back to its savepoint, leaving nothing of it, and stops no other.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.ledger.batches import problem_of
from services.payments.payouts import repository
from services.payments.payouts.execution import execute_payout
from shared.auth import Principal
from shared.errors import ProblemError
from shared.outbox import EventPublisher
from shared.schemas.payment_batches import PayoutBatchExecute, PayoutBatchItem, PayoutBatchRead


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
