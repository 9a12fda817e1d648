"""Duplicate conflict routes: the conflicts that concern a partner, and their resolution by the later partner."""

from __future__ import annotations

from fastapi import APIRouter

from services.eligibility.deps import PageDep, PublisherDep
from services.eligibility.duplicates import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.eligibility import DuplicateConflictRead, DuplicateResolution

router = APIRouter(prefix="/v1", tags=["applicants"])
PARTNER = [CallerKind.partner]


@router.get(
    "/duplicate-conflicts",
    response_model=Page[DuplicateConflictRead],
    responses=problem_responses(401, 403, 422),
    **requires("applicants:read", kinds=PARTNER),
)
async def list_duplicate_conflicts(
    session: TenantSessionDep, principal: CurrentPrincipal, page: PageDep
) -> Page[DuplicateConflictRead]:
    """List the duplicate documents concerning the calling partner, oldest first, on either side, without identities."""
    return await service.list_conflicts(session, principal, page)


@router.get(
    "/duplicate-conflicts/{reference}",
    response_model=DuplicateConflictRead,
    responses=problem_responses(401, 403, 404),
    **requires("applicants:read", kinds=PARTNER),
)
async def read_duplicate_conflict(
    reference: str, session: TenantSessionDep, principal: CurrentPrincipal
) -> DuplicateConflictRead:
    """Read a duplicate conflict that concerns the calling partner."""
    return await service.read_conflict(session, principal, reference)


@router.post(
    "/duplicate-conflicts/{reference}/resolution",
    response_model=DuplicateConflictRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("duplicates:resolve", kinds=PARTNER),
)
async def resolve_duplicate_conflict(
    reference: str,
    body: DuplicateResolution,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
) -> DuplicateConflictRead:
    """Resolve a possible duplicate of your later registration: distinct persons unblock it, the same person not."""
    return await service.resolve_conflict(session, publisher, principal, reference, body.outcome)
