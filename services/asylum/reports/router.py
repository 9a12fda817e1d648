"""Statistics and protection alert routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from services.asylum.config import AsylumSettings
from services.asylum.reports import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.asylum import CaseStatistics, ProtectionAlertRead
from shared.schemas.common import Page

router = APIRouter(prefix="/v1", tags=["cases"])
PARTNER = [CallerKind.partner]
Paging = Annotated[PageParams, Depends(page_params)]


@router.get(
    "/case-statistics",
    response_model=CaseStatistics,
    responses=problem_responses(401, 403),
    **requires("cases:read", kinds=PARTNER),
)
async def read_case_statistics(
    request: Request, session: TenantSessionDep, principal: CurrentPrincipal
) -> CaseStatistics:
    """Cases by state, median days per state and decisions per month; figures over too few cases are withheld."""
    settings: AsylumSettings = request.app.state.asylum_settings
    return await service.compute_statistics(session, principal.org, settings.stats_min_cell)


@router.get(
    "/protection-alerts",
    response_model=Page[ProtectionAlertRead],
    responses=problem_responses(401, 403, 422),
    **requires("cases:protection", kinds=PARTNER),
)
async def list_protection_alerts(
    session: TenantSessionDep, principal: CurrentPrincipal, page: Paging
) -> Page[ProtectionAlertRead]:
    """List cases whose duress secret was used (the applicant may be under pressure), oldest case first."""
    return await service.list_protection_alerts(session, principal, page)


@router.post(
    "/protection-alerts/{case_id}/acknowledge",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
    **requires("cases:protection", kinds=PARTNER),
)
async def acknowledge_protection_alert(case_id: str, session: TenantSessionDep, principal: CurrentPrincipal) -> None:
    """Clear a case's duress flag once it has been acted on."""
    await service.acknowledge_protection_alert(session, principal, case_id)
