"""Testimony HTTP routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.testimony import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.testimony import TestimonyCreate, TestimonyRead

router = APIRouter(prefix="/v1", tags=["testimonies"])
PARTNER = [CallerKind.partner]


@router.post(
    "/testimonies",
    status_code=status.HTTP_201_CREATED,
    response_model=TestimonyRead,
    responses=problem_responses(401, 403, 422),
    **requires("testimonies:write", kinds=PARTNER),
)
async def create_testimony(
    body: TestimonyCreate, session: TenantSessionDep, principal: CurrentPrincipal
) -> TestimonyRead:
    """Register a testimony for an applicant of the calling partner."""
    return await service.create_testimony(session, principal, body)


@router.get(
    "/testimonies/{testimony_id}",
    response_model=TestimonyRead,
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:read", kinds=PARTNER),
)
async def read_testimony(testimony_id: str, session: TenantSessionDep) -> TestimonyRead:
    """Read one of the calling partner's testimonies (metadata only)."""
    return await service.read_testimony(session, testimony_id)


@router.get(
    "/testimonies",
    response_model=Page[TestimonyRead],
    responses=problem_responses(401, 403, 422),
    **requires("testimonies:read", kinds=PARTNER),
)
async def list_testimonies(
    session: TenantSessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[TestimonyRead]:
    """List the calling partner's testimonies with cursor pagination."""
    return await service.list_testimonies(session, page)
