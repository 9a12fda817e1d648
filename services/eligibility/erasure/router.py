"""Erasure routes for platform operators: ask, approve (a second operator), read."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from services.eligibility.deps import PageDep, PublisherDep
from services.eligibility.erasure import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.erasure import ErasureApproval, ErasureRequestCreate, ErasureRequestRead

router = APIRouter(prefix="/v1", tags=["erasure"])
OPERATOR = [CallerKind.operator]
RULE = (
    "Platform operators act on partners, not within one: a request names the partner to erase and holds no "
    "personal data."
)


@router.post(
    "/erasure-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=ErasureRequestRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires("keys:erase", kinds=OPERATOR, tenant_rule=RULE),
)
async def request_erasure(
    body: ErasureRequestCreate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
) -> ErasureRequestRead:
    """Ask to erase a partner by destroying its keys, typing its code twice; a second operator must approve."""
    return await service.request_erasure(session, request.app.state.key_vault, publisher, principal, body)


@router.post(
    "/erasure-requests/{request_id}/approval",
    response_model=ErasureRequestRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("keys:erase", kinds=OPERATOR, tenant_rule=RULE),
)
async def approve_erasure(
    request_id: str,
    body: ErasureApproval,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
) -> ErasureRequestRead:
    """Approve another operator's erasure request, typing the partner's code again: its keys are destroyed at once."""
    state = request.app.state
    return await service.approve_erasure(session, state.key_vault, state.cipher, publisher, principal, request_id, body)


@router.get(
    "/erasure-requests/{request_id}",
    response_model=ErasureRequestRead,
    responses=problem_responses(401, 403, 404),
    **requires("keys:erase", kinds=OPERATOR, tenant_rule=RULE),
)
async def read_erasure_request(request_id: str, session: SessionDep) -> ErasureRequestRead:
    """Read one erasure request with both operators and what it destroyed."""
    return await service.read_request(session, request_id)


@router.get(
    "/erasure-requests",
    response_model=Page[ErasureRequestRead],
    responses=problem_responses(401, 403, 422),
    **requires("keys:erase", kinds=OPERATOR, tenant_rule=RULE),
)
async def list_erasure_requests(session: SessionDep, page: PageDep) -> Page[ErasureRequestRead]:
    """List erasure requests, oldest first (by id, which is time-ordered)."""
    return await service.list_requests(session, page)
