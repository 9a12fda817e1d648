"""Case routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from services.asylum.cases import events, service, transfer
from services.asylum.deps import ToolsDep
from services.asylum.models import tables
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import DirectoryDep, SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.inbox import VerifiedEventBatch, apply_event_batch, signed_batch_by_service
from shared.pagination import PageParams, page_params
from shared.schemas.asylum import (
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    CaseStateName,
    CaseTransfer,
    TransitionCreate,
)
from shared.schemas.common import Page
from shared.schemas.events import EventBatchResult
from shared.webhooks import VerifiedEvent, signed_by_service

router = APIRouter(prefix="/v1", tags=["cases"])
PARTNER = [CallerKind.partner]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseCreated,
    responses=problem_responses(401, 403, 409, 422, 503),
    **requires("cases:write", kinds=PARTNER),
)
async def create_case(
    body: CaseCreate, session: TenantSessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> CaseCreated:
    """Open a case for an applicant approved under your organisation or transferred to it; the secret is shown once.

    Any other applicant id, unknown or another partner's, answers the same 422 `applicant-not-approved`.
    """
    return await service.create_case(session, tools, principal, body)


@router.get(
    "/cases",
    response_model=Page[CaseRead],
    responses=problem_responses(401, 403, 422),
    **requires("cases:read", kinds=PARTNER),
)
async def list_cases(
    session: TenantSessionDep,
    page: Paging,
    state: Annotated[CaseStateName | None, Query(description="Only cases in this state.")] = None,
    applicant_id: Annotated[
        str | None, Query(max_length=64, description="Only the case of this applicant (eligibility's id).")
    ] = None,
) -> Page[CaseRead]:
    """List the calling partner's cases, oldest first (by id, which is time-ordered), optionally filtered."""
    return await service.list_cases(session, page, state, applicant_id)


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    responses=problem_responses(401, 403, 404),
    **requires("cases:read", kinds=PARTNER),
)
async def read_case(case_id: str, session: TenantSessionDep) -> CaseRead:
    """Read one of the calling partner's cases with its allowed next states."""
    return await service.read_case(session, case_id)


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("cases:write", kinds=PARTNER),
)
async def transition_case(
    case_id: str, body: TransitionCreate, session: TenantSessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> CaseRead:
    """Move a case to another state; a move its life cycle does not allow answers 409 with the allowed ones."""
    return await service.transition_case(session, tools, principal, case_id, body)


@router.get(
    "/cases/{case_id}/history",
    response_model=Page[CaseHistoryEntryRead],
    responses=problem_responses(401, 403, 404, 422),
    **requires("cases:read", kinds=PARTNER),
)
async def list_case_history(
    case_id: str, session: TenantSessionDep, page: Paging, tools: ToolsDep
) -> Page[CaseHistoryEntryRead]:
    """List every step of a case's life: who, when and why, oldest first."""
    return await service.list_history(session, tools.cipher, case_id, page)


@router.post(
    "/cases/{case_id}/transfer",
    response_model=CaseRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("cases:transfer", kinds=PARTNER),
)
async def transfer_case(
    case_id: str,
    body: CaseTransfer,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    tools: ToolsDep,
    directory: DirectoryDep,
) -> CaseRead:
    """Hand an open case, with its history, family and grants, to another registered, active partner."""
    await directory.require(body.to_partner, field="to_partner")
    return await transfer.transfer_case(session, tools, principal, case_id, body)


@router.post(
    "/cases/{case_id}/applicant-secret",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicantSecretIssued,
    responses=problem_responses(401, 403, 404, 503),
    **requires("cases:write", kinds=PARTNER),
)
async def issue_applicant_secret(
    case_id: str, session: TenantSessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> ApplicantSecretIssued:
    """Issue a new applicant secret, shown this once; the previous secret stops working."""
    return await service.issue_applicant_secret(session, tools, principal, case_id)


@router.post(
    "/events",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 422),
    **signed_by_service(
        "Takes `eligibility.applicant.approved` and `eligibility.family_member.registered` from eligibility."
    ),
)
async def receive_event(event: VerifiedEvent, session: SessionDep, tools: ToolsDep) -> Response:
    """Receive a signed event from a peer service; each event id is handled once."""
    await events.handle_event(session, tools, event)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/events/batch",
    response_model=EventBatchResult,
    responses=problem_responses(401, 422),
    **signed_batch_by_service("Takes the same events as `POST /v1/events`, many per request, one result each."),
)
async def receive_event_batch(batch: VerifiedEventBatch, session: SessionDep, tools: ToolsDep) -> EventBatchResult:
    """Receive a signed batch of events from a peer service; each event id is handled once, with its own result."""
    return await apply_event_batch(session, tables, batch, lambda s, event: events.handle_event(s, tools, event))
