"""Asylum HTTP routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.asylum import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.asylum import CaseCreate, CaseRead
from shared.schemas.common import Page

router = APIRouter(prefix="/v1", tags=["cases"])
PARTNER = [CallerKind.partner]


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseRead,
    responses=problem_responses(401, 403, 422),
    **requires("cases:write", kinds=PARTNER),
)
async def create_case(body: CaseCreate, session: TenantSessionDep, principal: CurrentPrincipal) -> CaseRead:
    """Open an asylum case for an applicant of the calling partner."""
    return await service.create_case(session, principal, body)


@router.get(
    "/cases/{case_id}",
    response_model=CaseRead,
    responses=problem_responses(401, 403, 404),
    **requires("cases:read", kinds=PARTNER),
)
async def read_case(case_id: str, session: TenantSessionDep) -> CaseRead:
    """Read one of the calling partner's cases."""
    return await service.read_case(session, case_id)


@router.get(
    "/cases",
    response_model=Page[CaseRead],
    responses=problem_responses(401, 403, 422),
    **requires("cases:read", kinds=PARTNER),
)
async def list_cases(session: TenantSessionDep, page: Annotated[PageParams, Depends(page_params)]) -> Page[CaseRead]:
    """List the calling partner's cases with cursor pagination."""
    return await service.list_cases(session, page)
