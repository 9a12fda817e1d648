"""Payments HTTP routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.payments import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.payments import AccountCreate, AccountRead

router = APIRouter(prefix="/v1", tags=["accounts"])
PARTNER = [CallerKind.partner]


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountRead,
    responses=problem_responses(401, 403, 422),
    **requires("ledger:write", kinds=PARTNER),
)
async def create_account(body: AccountCreate, session: TenantSessionDep, principal: CurrentPrincipal) -> AccountRead:
    """Open a ledger account for the calling partner in one currency."""
    return await service.create_account(session, principal, body)


@router.get(
    "/accounts/{account_id}",
    response_model=AccountRead,
    responses=problem_responses(401, 403, 404),
    **requires("ledger:read", kinds=PARTNER),
)
async def read_account(account_id: str, session: TenantSessionDep) -> AccountRead:
    """Read one of the calling partner's ledger accounts."""
    return await service.read_account(session, account_id)


@router.get(
    "/accounts",
    response_model=Page[AccountRead],
    responses=problem_responses(401, 403, 422),
    **requires("ledger:read", kinds=PARTNER),
)
async def list_accounts(
    session: TenantSessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[AccountRead]:
    """List the calling partner's ledger accounts with cursor pagination."""
    return await service.list_accounts(session, page)
