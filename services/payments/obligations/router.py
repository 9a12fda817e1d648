"""Obligation HTTP routes: the event consumer and the release of triggers and due dates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.deps import PublisherDep
from services.payments.models import tables
from services.payments.obligations import approvals, service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import Unprocessable, problem_responses
from shared.inbox import VerifiedEventBatch, apply_event_batch, signed_batch_by_service
from shared.outbox import EventPublisher
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.events import (
    APPLICANT_APPROVED,
    ARRIVAL_VERIFIED,
    CASE_STATUS_CHANGED,
    ApplicantApproved,
    ArrivalVerified,
    CaseStatusChanged,
    EventBatchResult,
    EventEnvelope,
)
from shared.schemas.payments import DueRelease, ObligationRead, ObligationStatus, ReleaseResult
from shared.tenancy import ALL_TENANTS, scope_to_tenant
from shared.webhooks import VerifiedEvent, claim_event, signed_by_service

router = APIRouter(prefix="/v1", tags=["obligations"])
PARTNER = [CallerKind.partner]


@router.post(
    "/events",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 422),
    **signed_by_service(
        "Takes `eligibility.applicant.approved` and `eligibility.applicant.arrival_verified` from eligibility and "
        "`asylum.case.*` from asylum."
    ),
)
async def receive_event(envelope: VerifiedEvent, session: SessionDep, publisher: PublisherDep) -> Response:
    """Consume a signed event once: approvals create obligations; verified arrivals and grants release tranches."""
    await consume_event(session, publisher, envelope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/events/batch",
    response_model=EventBatchResult,
    responses=problem_responses(401, 422),
    **signed_batch_by_service("Takes the same events as `POST /v1/events`, many per request, one result each."),
)
async def receive_event_batch(
    batch: VerifiedEventBatch, session: SessionDep, publisher: PublisherDep
) -> EventBatchResult:
    """Consume a signed batch of events, each once and with its own result, as `POST /v1/events` would one."""
    return await apply_event_batch(session, tables, batch, lambda s, event: consume_event(s, publisher, event))


async def consume_event(session: AsyncSession, publisher: EventPublisher, envelope: EventEnvelope) -> None:
    """Apply one authenticated event; its id is claimed once, so a repeat changes nothing."""
    if envelope.type == APPLICANT_APPROVED:
        approved = ApplicantApproved.model_validate(envelope.data)
        scope_to_tenant(session, approved.partner_id)
        if await claim_event(session, tables, envelope.id, envelope.type):
            await approvals.create_obligations(session, publisher, approved, envelope.type)
    elif envelope.type == ARRIVAL_VERIFIED:
        arrived = ArrivalVerified.model_validate(envelope.data)
        scope_to_tenant(session, arrived.partner_id)
        if await claim_event(session, tables, envelope.id, envelope.type):
            await service.handle_arrival(session, publisher, arrived, envelope.type)
    elif envelope.type == CASE_STATUS_CHANGED:
        try:
            changed = CaseStatusChanged.model_validate(envelope.data)
        except ValidationError as exc:
            raise Unprocessable(f"The event does not match its contract: {exc.errors()[0]['msg']}.") from exc
        # A case may have been transferred since the approval: the obligations stay with the partner that
        # approved. The release looks across partners, limited to those along the case's own history.
        scope_to_tenant(session, ALL_TENANTS)
        if await claim_event(session, tables, envelope.id, envelope.type):
            await service.handle_case_status(session, publisher, changed, envelope.type)


@router.get(
    "/obligations",
    response_model=Page[ObligationRead],
    responses=problem_responses(401, 403, 422),
    **requires("obligations:read", kinds=PARTNER),
)
async def list_obligations(
    session: TenantSessionDep,
    page: Annotated[PageParams, Depends(page_params)],
    applicant_id: Annotated[str | None, Query(description="Only this applicant's obligations.")] = None,
    status_filter: Annotated[ObligationStatus | None, Query(alias="status", description="Only this status.")] = None,
) -> Page[ObligationRead]:
    """List the partner's obligations by due date, then id (undated ones, waiting for an event, last); filterable."""
    return await service.list_obligations(session, page, applicant_id, status_filter)


@router.get(
    "/obligations/{obligation_id}",
    response_model=ObligationRead,
    responses=problem_responses(401, 403, 404),
    **requires("obligations:read", kinds=PARTNER),
)
async def read_obligation(obligation_id: str, session: TenantSessionDep) -> ObligationRead:
    """Read one obligation of the calling partner."""
    return await service.read_obligation(session, obligation_id)


@router.post(
    "/obligations/release-due",
    response_model=ReleaseResult,
    responses=problem_responses(401, 403, 422),
    **requires("obligations:release", kinds=PARTNER),
)
async def release_due(
    body: DueRelease, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> ReleaseResult:
    """Release the partner's stipend months and delayed tranches due on or before `as_of`."""
    return ReleaseResult(released=await service.release_due(session, principal, body.as_of, publisher))
