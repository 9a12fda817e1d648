"""Redaction and review routes, and the consenting person's approval with their token."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.testimony.common.toolkit import APPROVED, REFUSED
from services.testimony.consent.holders import find_holder_by_token
from services.testimony.deps import ToolkitDep
from services.testimony.review import redaction, service
from shared.auth import CallerKind, CurrentPrincipal, public, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.testimony import (
    DerivativeCreate,
    DerivativeRead,
    ReviewCreate,
    SubjectApprovalCreate,
    SubjectDerivativeRead,
    SubjectDerivativesQuery,
    SubjectRefusalCreate,
)

router = APIRouter(tags=["review"])
PARTNER = [CallerKind.partner]
TOKEN_ONLY = public(
    "the consenting person has no account; their withdrawal token, or the submission token the testimony came "
    "with (for its author), authorises the call"
)


@router.post(
    "/v1/testimonies/{testimony_id}/derivatives",
    status_code=status.HTTP_201_CREATED,
    response_model=DerivativeRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("testimonies:redact", kinds=PARTNER),
)
async def create_derivative(
    testimony_id: str, body: DerivativeCreate, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> DerivativeRead:
    """Make a derivative: redact the sealed text and strip the chosen media of embedded metadata."""
    return await redaction.create_derivative(session, kit, principal, testimony_id, body)


@router.get(
    "/v1/testimonies/{testimony_id}/derivatives",
    response_model=list[DerivativeRead],
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:review", kinds=PARTNER),
)
async def list_derivatives(
    testimony_id: str, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> list[DerivativeRead]:
    """List a testimony's derivatives, oldest first, with their reviews (the read is audited)."""
    return await service.list_derivatives(session, kit, principal, testimony_id)


@router.get(
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}",
    response_model=DerivativeRead,
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:review", kinds=PARTNER),
)
async def read_derivative(
    testimony_id: str, derivative_id: str, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> DerivativeRead:
    """Read one derivative with its reviews (the read is audited)."""
    return await service.read_derivative(session, kit, principal, testimony_id, derivative_id)


@router.post(
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=DerivativeRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("testimonies:review", kinds=PARTNER),
)
async def review_derivative(
    testimony_id: str,
    derivative_id: str,
    body: ReviewCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    kit: ToolkitDep,
) -> DerivativeRead:
    """Approve the exact derivative named by its content hash; two distinct reviewers are needed."""
    return await service.add_review(session, kit, principal, testimony_id, derivative_id, body)


@router.post(
    "/public/consent/derivatives",
    response_model=list[SubjectDerivativeRead],
    responses=problem_responses(401, 422),
    **TOKEN_ONLY,
)
async def list_for_subject(
    body: SubjectDerivativesQuery, session: SessionDep, kit: ToolkitDep
) -> list[SubjectDerivativeRead]:
    """Show the holder of a consent token the derivatives they may approve (the token travels in the body)."""
    return await service.list_for_subject(session, kit, await find_holder_by_token(session, body.token))


@router.post(
    "/public/consent/approvals",
    status_code=status.HTTP_201_CREATED,
    response_model=SubjectDerivativeRead,
    responses=problem_responses(401, 404, 409, 422),
    **TOKEN_ONLY,
)
async def approve_as_subject(
    body: SubjectApprovalCreate, session: SessionDep, kit: ToolkitDep
) -> SubjectDerivativeRead:
    """Approve one exact derivative as the consenting person, with the consent token."""
    holder = await find_holder_by_token(session, body.token)
    return await service.answer_as_subject(session, kit, holder, body.derivative_id, body.content_sha256, APPROVED)


@router.post(
    "/public/consent/refusals",
    status_code=status.HTTP_201_CREATED,
    response_model=SubjectDerivativeRead,
    responses=problem_responses(401, 404, 409, 422),
    **TOKEN_ONLY,
)
async def refuse_as_subject(body: SubjectRefusalCreate, session: SessionDep, kit: ToolkitDep) -> SubjectDerivativeRead:
    """Refuse one exact derivative as the consenting person: it cannot be published while refused."""
    holder = await find_holder_by_token(session, body.token)
    return await service.answer_as_subject(session, kit, holder, body.derivative_id, body.content_sha256, REFUSED)
