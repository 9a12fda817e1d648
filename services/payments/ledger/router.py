"""Ledger HTTP routes: accounts, contributions, transfers, reversals and checkpoints."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request, Response, status

from services.payments.deps import CipherDep, PublisherDep, SignerDep
from services.payments.ledger import accounts, batches, checkpoints, contributions, service
from services.payments.payouts import execution as payouts
from shared.auth import CallerKind, CurrentPrincipal, public, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.idempotency import IdempotencyDep
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.payment_batches import ContributionBatchCreate, ContributionBatchRead
from shared.schemas.payments import (
    AccountCreate,
    AccountRead,
    CheckpointKey,
    CheckpointRead,
    ContributionCreate,
    ContributionRead,
    ReversalCreate,
    TransferRead,
)

router = APIRouter(prefix="/v1", tags=["ledger"])
PARTNER = [CallerKind.partner]


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountRead,
    responses=problem_responses(401, 403, 422),
    **requires("ledger:write", kinds=PARTNER),
)
async def create_account(
    body: AccountCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    cipher: CipherDep,
) -> AccountRead:
    """Open a ledger account for the calling partner in one currency (one per kind, except funding)."""
    return await accounts.create_account(session, cipher, publisher, principal, body)


@router.get(
    "/accounts/{account_id}",
    response_model=AccountRead,
    responses=problem_responses(401, 403, 404),
    **requires("ledger:read", kinds=PARTNER),
)
async def read_account(account_id: str, session: TenantSessionDep) -> AccountRead:
    """Read one of the calling partner's ledger accounts and its balance."""
    return await accounts.read_account(session, account_id)


@router.get(
    "/accounts",
    response_model=Page[AccountRead],
    responses=problem_responses(401, 403, 422),
    **requires("ledger:read", kinds=PARTNER),
)
async def list_accounts(
    session: TenantSessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[AccountRead]:
    """List the calling partner's ledger accounts, oldest first, with cursor pagination."""
    return await accounts.list_accounts(session, page)


@router.post(
    "/contributions",
    status_code=status.HTTP_201_CREATED,
    response_model=ContributionRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("ledger:write", kinds=PARTNER),
)
async def record_contribution(
    body: ContributionCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
    publisher: PublisherDep,
    cipher: CipherDep,
) -> Response:
    """Record the partner's payment into a funding account (requires an `Idempotency-Key`)."""
    if (replayed := await idem.replay()) is not None:
        return replayed
    contribution = await contributions.record_contribution(session, cipher, publisher, principal, body)
    return await idem.remember(contribution, status_code=201)


@router.post(
    "/contribution-batches",
    response_model=ContributionBatchRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires("ledger:write", kinds=PARTNER),
)
async def record_contribution_batch(
    body: ContributionBatchCreate,
    request: Request,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
    publisher: PublisherDep,
    cipher: CipherDep,
) -> Response:
    """Book up to 1,000 contributions in one request (requires an `Idempotency-Key`, which covers the batch).

    Items are booked in order, each whole (transfer, entries, balances, contribution, audit entry, event) or not
    at all: a refused item carries the problem the same contribution alone would have answered and stops no
    other. The answer is 200 with one result per item; the same key and body replay it, booking nothing more.
    """
    if (replayed := await idem.replay()) is not None:
        return replayed
    result = await batches.record_contributions(session, cipher, publisher, principal, body, instance=request.url.path)
    # Built as plain JSON (the bytes ContributionBatchRead renders) and encoded once with orjson.
    answer = orjson.dumps(result)
    await idem.store(200, answer)
    return Response(answer, media_type="application/json")


@router.get(
    "/transfers/{transfer_id}",
    response_model=TransferRead,
    responses=problem_responses(401, 403, 404),
    **requires("ledger:read", kinds=PARTNER),
)
async def read_transfer(transfer_id: str, session: TenantSessionDep, cipher: CipherDep) -> TransferRead:
    """Read one balanced transfer of the calling partner with its entries."""
    return await service.read_transfer(session, cipher, transfer_id)


@router.post(
    "/transfers/{transfer_id}/reversal",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("ledger:reverse", kinds=PARTNER),
)
async def reverse_transfer(
    transfer_id: str,
    body: ReversalCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    idem: IdempotencyDep,
    cipher: CipherDep,
) -> Response:
    """Correct a contribution or payout by a mirror transfer that points to it (requires an `Idempotency-Key`)."""
    if (replayed := await idem.replay()) is not None:
        return replayed
    reversal_id = await payouts.reverse_transfer(session, cipher, publisher, principal, transfer_id, body.reason)
    return await idem.remember(await service.read_transfer(session, cipher, reversal_id), status_code=201)


@router.post(
    "/ledger/checkpoints",
    response_model=list[CheckpointRead],
    responses=problem_responses(401, 403),
    **requires("ledger:write", kinds=PARTNER),
)
async def sign_checkpoint(
    session: TenantSessionDep, principal: CurrentPrincipal, signer: SignerDep, publisher: PublisherDep
) -> list[CheckpointRead]:
    """Sign the head of the calling partner's hash chain now (empty when nothing changed since the last one)."""
    checkpoint = await checkpoints.sign_chain_head(session, signer, publisher, principal, principal.org)
    return [checkpoint] if checkpoint else []


@router.get(
    "/ledger/checkpoint-key",
    response_model=CheckpointKey,
    **public("a public key: anyone may verify checkpoints with it"),
)
async def read_checkpoint_key(signer: SignerDep) -> CheckpointKey:
    """The Ed25519 public key that verifies ledger checkpoints, as PEM."""
    return CheckpointKey(key_id=signer.key_id, public_key_pem=signer.public_key_pem())
