"""Publication routes for partners: check coverage, publish, and see publications and takedowns."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from services.testimony.consent.domain import Purpose
from services.testimony.deps import ToolkitDep
from services.testimony.publication import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.testimony import CoverageRead, PublicationRead, PurposeName

router = APIRouter(tags=["publication"])
PARTNER = [CallerKind.partner]


@router.get(
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/coverage",
    response_model=CoverageRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("testimonies:read", kinds=PARTNER),
)
async def check_coverage(
    testimony_id: str,
    derivative_id: str,
    session: TenantSessionDep,
    purpose: PurposeName = Query(default="public_publication", description="The use to check."),  # noqa: B008
) -> CoverageRead:
    """Say whether the consents in force now cover a derivative for a purpose, and what refuses it."""
    return await service.check_coverage(session, testimony_id, derivative_id, Purpose(purpose))


@router.post(
    "/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/publications",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicationRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("testimonies:publish", kinds=PARTNER),
)
async def publish_derivative(
    testimony_id: str, derivative_id: str, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> PublicationRead:
    """Publish a reviewed derivative that every required consent covers, with a manifest signed by the programme."""
    return await service.publish_derivative(session, kit, principal, testimony_id, derivative_id)


@router.get(
    "/v1/testimonies/{testimony_id}/publications",
    response_model=list[PublicationRead],
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:read", kinds=PARTNER),
)
async def list_publications(testimony_id: str, session: TenantSessionDep, kit: ToolkitDep) -> list[PublicationRead]:
    """List a testimony's publications, oldest first, live and taken down, with their takedown receipts."""
    return await service.list_publications(session, kit, testimony_id)


@router.get(
    "/v1/publications/{publication_id}",
    response_model=PublicationRead,
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:read", kinds=PARTNER),
)
async def read_publication(publication_id: str, session: TenantSessionDep, kit: ToolkitDep) -> PublicationRead:
    """Read one of the calling partner's publications."""
    return await service.read_publication(session, kit, publication_id)
