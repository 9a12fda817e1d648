"""NGO access routes: officers record and revoke consent, NGOs read what was shared with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from services.asylum.access import service
from services.asylum.deps import CipherDep, PublisherDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import DirectoryDep, TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.asylum import AccessGrantCreate, AccessGrantRead, SharedCaseRead
from shared.schemas.common import Page
from shared.schemas.registry import OrganisationKind

router = APIRouter(prefix="/v1", tags=["ngo access"])
PARTNER = [CallerKind.partner]
NGO = [CallerKind.ngo]
NGO_KIND = (OrganisationKind.ngo,)


@router.post(
    "/cases/{case_id}/access-grants",
    status_code=status.HTTP_201_CREATED,
    response_model=AccessGrantRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("cases:consent", kinds=PARTNER),
)
async def record_access_grant(
    case_id: str,
    body: AccessGrantCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    directory: DirectoryDep,
) -> AccessGrantRead:
    """Record the applicant's consent for a registered, active NGO to see this case, at `status` or `full` level."""
    await directory.require(body.ngo_org, field="ngo_org", kinds=NGO_KIND)
    return await service.record_officer_grant(session, publisher, principal, case_id, body)


@router.get(
    "/cases/{case_id}/access-grants",
    response_model=list[AccessGrantRead],
    responses=problem_responses(401, 403, 404),
    **requires("cases:read", kinds=PARTNER),
)
async def list_access_grants(case_id: str, session: TenantSessionDep) -> list[AccessGrantRead]:
    """List the grants on a case, active and revoked, oldest first."""
    return await service.list_case_grants(session, case_id)


@router.post(
    "/cases/{case_id}/access-grants/{grant_id}/revoke",
    response_model=AccessGrantRead,
    responses=problem_responses(401, 403, 404),
    **requires("cases:consent", kinds=PARTNER),
)
async def revoke_access_grant(
    case_id: str, grant_id: str, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> AccessGrantRead:
    """Revoke a grant; the NGO loses access before this call returns."""
    return await service.revoke_grant(session, publisher, principal, case_id, grant_id)


@router.get(
    "/shared-cases",
    response_model=Page[SharedCaseRead],
    responses=problem_responses(401, 403, 422),
    **requires("shared-cases:read", kinds=NGO),
)
async def list_shared_cases(
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[SharedCaseRead]:
    """List the cases shared with the calling NGO, in the order they were shared (oldest first)."""
    return await service.list_shared_cases(session, cipher, principal, page)


@router.get(
    "/shared-cases/{case_id}",
    response_model=SharedCaseRead,
    responses=problem_responses(401, 403, 404),
    **requires("shared-cases:read", kinds=NGO),
)
async def read_shared_case(
    case_id: str, session: TenantSessionDep, principal: CurrentPrincipal, cipher: CipherDep
) -> SharedCaseRead:
    """Read a case shared with the calling NGO, at the level the applicant granted; anything else is 404."""
    return await service.read_shared_case(session, cipher, principal, case_id)
