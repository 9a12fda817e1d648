"""Manual release routes: ask with evidence, approve as a second officer, read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.payments.deps import CipherDep, PublisherDep
from services.payments.releases import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.payments import ManualReleaseCreate, ManualReleaseRead, ManualReleaseStatus

router = APIRouter(prefix="/v1", tags=["obligations"])
PARTNER = [CallerKind.partner]


@router.post(
    "/manual-releases",
    status_code=status.HTTP_201_CREATED,
    response_model=ManualReleaseRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires("obligations:release", kinds=PARTNER),
)
async def request_release(
    body: ManualReleaseCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    publisher: PublisherDep,
) -> ManualReleaseRead:
    """Ask to release by hand, on named evidence, tranches waiting for a condition; a second officer approves."""
    return await service.request_release(session, cipher, publisher, principal, body)


@router.post(
    "/manual-releases/{release_id}/approval",
    response_model=ManualReleaseRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("obligations:approve", kinds=PARTNER),
)
async def approve_release(
    release_id: str, session: TenantSessionDep, principal: CurrentPrincipal, cipher: CipherDep, publisher: PublisherDep
) -> ManualReleaseRead:
    """Approve a release by hand (not the officer who asked): the tranches still waiting become due."""
    return await service.approve_release(session, cipher, publisher, principal, release_id)


@router.get(
    "/manual-releases",
    response_model=Page[ManualReleaseRead],
    responses=problem_responses(401, 403, 422),
    **requires("obligations:read", kinds=PARTNER),
)
async def list_releases(
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    page: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[ManualReleaseStatus | None, Query(alias="status", description="Only this status.")] = None,
) -> Page[ManualReleaseRead]:
    """List the calling partner's releases by hand with their evidence (the read is audited)."""
    return await service.list_releases(session, cipher, principal, page, status_filter)


@router.get(
    "/manual-releases/{release_id}",
    response_model=ManualReleaseRead,
    responses=problem_responses(401, 403, 404),
    **requires("obligations:read", kinds=PARTNER),
)
async def read_release(
    release_id: str, session: TenantSessionDep, principal: CurrentPrincipal, cipher: CipherDep
) -> ManualReleaseRead:
    """Read one release by hand: its evidence, who asked, who approved, what it released (the read is audited)."""
    return await service.read_release(session, cipher, principal, release_id)
