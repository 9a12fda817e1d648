"""Payout HTTP routes: create (idempotent), approve, execute."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from services.payments.deps import PublisherDep
from services.payments.payouts import batches, execution, service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyDep
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.payment_batches import PayoutBatchExecute, PayoutBatchRead
from shared.schemas.payments import PayoutCreate, PayoutRead, PayoutStatus

router = APIRouter(prefix="/v1", tags=["payouts"])
PARTNER = [CallerKind.partner]


@router.post(
    "/payouts",
    status_code=status.HTTP_201_CREATED,
    response_model=PayoutRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("payouts:write", kinds=PARTNER),
)
async def create_payout(
    body: PayoutCreate, request: Request, session: TenantSessionDep, principal: CurrentPrincipal, idem: IdempotencyDep
) -> Response:
    """Create the payout of a due obligation (requires an `Idempotency-Key`); an obligation is paid once."""
    if (replayed := await idem.replay()) is not None:
        return replayed
    # Settings and publisher straight from the app (two dependencies fewer to resolve on the hottest write).
    state = request.app.state
    answer = await service.create_payout(session, state.settings, state.publisher, principal, body, idem)
    return Response(answer, status_code=201, media_type="application/json")


@router.get(
    "/payouts",
    response_model=Page[PayoutRead],
    responses=problem_responses(401, 403, 422),
    **requires("payouts:read", kinds=PARTNER),
)
async def list_payouts(
    session: TenantSessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[PayoutStatus | None, Query(alias="status", description="Only this status.")] = None,
) -> Page[PayoutRead]:
    """List the calling partner's payouts, oldest first, with cursor pagination."""
    return await service.list_payouts(session, page, status_filter)


@router.get(
    "/payouts/{payout_id}",
    response_model=PayoutRead,
    responses=problem_responses(401, 403, 404),
    **requires("payouts:read", kinds=PARTNER),
)
async def read_payout(payout_id: str, session: TenantSessionDep) -> PayoutRead:
    """Read one payout of the calling partner."""
    return await service.read_payout(session, payout_id)


@router.post(
    "/payouts/{payout_id}/approvals",
    response_model=PayoutRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("payouts:approve", kinds=PARTNER),
)
async def approve_payout(
    payout_id: str, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> PayoutRead:
    """Approve a payout; its creator cannot, and each approver counts once."""
    return await service.approve_payout(session, publisher, principal, payout_id)


@router.post(
    "/payouts/{payout_id}/execute",
    response_model=PayoutRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("payouts:execute", kinds=PARTNER),
)
async def execute_payout(
    payout_id: str,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    idem: IdempotencyDep,
) -> Response:
    """Execute an approved payout: post its ledger transfer (requires an `Idempotency-Key`)."""
    if (replayed := await idem.replay()) is not None:
        return replayed
    return await idem.remember(await execution.execute_payout(session, publisher, principal, payout_id))


@router.post(
    "/payout-batches",
    response_model=PayoutBatchRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires("payouts:execute", kinds=PARTNER),
)
async def execute_payout_batch(
    body: PayoutBatchExecute,
    request: Request,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    idem: IdempotencyDep,
) -> Response:
    """Execute up to 1,000 approved payouts in one request (requires an `Idempotency-Key`, which covers the batch).

    Payouts are executed in order, each whole (status, obligation paid, ledger transfer, audit entry, event) or not
    at all: a refused one carries the problem executing it alone would have answered and stops no other. The answer
    is 200 with one result per item; the same key and body replay it, executing nothing more.
    """
    if (replayed := await idem.replay()) is not None:
        return replayed
    result = await batches.execute_payouts(session, publisher, principal, body, instance=request.url.path)
    return await idem.remember(result)
