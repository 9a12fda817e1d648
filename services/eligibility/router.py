"""Eligibility HTTP routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.eligibility import service
from services.eligibility.deps import CryptoDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params, split_page
from shared.schemas.common import Page
from shared.schemas.eligibility import ApplicantCreate, ApplicantRead

router = APIRouter(prefix="/v1", tags=["applicants"])
PARTNER = [CallerKind.partner]


@router.post(
    "/applicants",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicantRead,
    responses=problem_responses(401, 403, 422),
    **requires("applicants:write", kinds=PARTNER),
)
async def register_applicant(
    body: ApplicantCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
) -> ApplicantRead:
    """Register an applicant for the calling partner; names and birth date are encrypted at rest."""
    return await service.register_applicant(session, crypto, principal, body)


@router.get(
    "/applicants/{applicant_id}",
    response_model=ApplicantRead,
    responses=problem_responses(401, 403, 404),
    **requires("applicants:read", kinds=PARTNER),
)
async def read_applicant(
    applicant_id: str,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
) -> ApplicantRead:
    """Read one of the calling partner's applicants (the read is audited)."""
    return await service.read_applicant(session, crypto, principal, applicant_id)


@router.get(
    "/applicants",
    response_model=Page[ApplicantRead],
    responses=problem_responses(401, 403, 422),
    **requires("applicants:read", kinds=PARTNER),
)
async def list_applicants(
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[ApplicantRead]:
    """List the calling partner's applicants, oldest first, with cursor pagination."""
    items, rows = await service.list_applicants(session, crypto, principal, page)
    _, cursor = split_page(rows, page, lambda a: a.id)
    return Page[ApplicantRead](items=items, next_cursor=cursor)
