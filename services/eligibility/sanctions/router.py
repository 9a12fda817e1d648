"""Sanctions routes: load lists (re-screening everyone), see hits, clear them, request and approve waivers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from services.eligibility.applicants.service import get_applicant_or_404, rescreen_all_applicants
from services.eligibility.deps import CryptoDep, ScreeningDep, requires_with_body
from services.eligibility.errors import SanctionsListRejected
from services.eligibility.sanctions import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.eligibility import SanctionsListRead, ScreeningHitRead, WaiverCreate, WaiverRead
from shared.tenancy import ALL_TENANTS, scope_to_tenant

router = APIRouter(prefix="/v1", tags=["screening"])
PARTNER = [CallerKind.partner]
MAX_LIST_BYTES = 200 * 1024 * 1024
_SOURCES = ("ofac_sdn", "eu_fsf", "un_sc")
_XML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The list exactly as published (OFAC SDN XML, EU FSF XML or UN consolidated XML).",
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/sanctions-lists/{source}",
    status_code=status.HTTP_201_CREATED,
    response_model=SanctionsListRead,
    responses=problem_responses(401, 403, 422),
    **requires_with_body(
        "sanctions:write",
        [CallerKind.service],
        _XML_BODY,
        tenant_rule="Lists are shared by every partner; loading one re-screens every partner's applicants.",
    ),
)
async def load_sanctions_list(
    source: str,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    screening: ScreeningDep,
) -> SanctionsListRead:
    """Load a published sanctions list for every partner, then screen every applicant again."""
    if source not in _SOURCES:
        raise SanctionsListRejected(f"Unknown list source {source}; use one of {', '.join(_SOURCES)}.")
    body = await request.body()
    if not body or len(body) > MAX_LIST_BYTES:
        raise SanctionsListRejected(f"Send the list as the request body (at most {MAX_LIST_BYTES} bytes).")
    # Lists are shared by all partners, and re-screening touches every partner's applicants.
    scope_to_tenant(session, ALL_TENANTS)
    loaded = await service.load_sanctions_list(session, screening, principal, source, body)
    count = await rescreen_all_applicants(session, crypto, screening)
    return loaded.model_copy(update={"rescreened_applicants": count})


@router.get(
    "/applicants/{applicant_id}/screening-hits",
    response_model=list[ScreeningHitRead],
    responses=problem_responses(401, 403, 404),
    **requires("screening:read", kinds=PARTNER),
)
async def list_screening_hits(
    applicant_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep
) -> list[ScreeningHitRead]:
    """List the sanctions hits recorded for an applicant, each with its score and explanation (audited)."""
    await get_applicant_or_404(session, applicant_id)
    return await service.list_hits_of_applicant(session, crypto.cipher, principal, applicant_id)


@router.post(
    "/screening-hits/{hit_id}/clearance",
    response_model=ScreeningHitRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("screening:review", kinds=PARTNER),
)
async def clear_screening_hit(
    hit_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep
) -> ScreeningHitRead:
    """Clear a hit as a false positive after review."""
    return await service.clear_hit(session, crypto.cipher, principal, hit_id)


@router.post(
    "/screening-hits/{hit_id}/waivers",
    status_code=status.HTTP_201_CREATED,
    response_model=WaiverRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("waivers:request", kinds=PARTNER),
)
async def request_waiver(
    hit_id: str, body: WaiverCreate, session: TenantSessionDep, principal: CurrentPrincipal
) -> WaiverRead:
    """Request a waiver of a hit: legal basis, cap and validity; it counts once another person approves it."""
    return await service.request_waiver(session, principal, hit_id, body)


@router.post(
    "/waivers/{waiver_id}/approval",
    response_model=WaiverRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("waivers:approve", kinds=PARTNER),
)
async def approve_waiver(waiver_id: str, session: TenantSessionDep, principal: CurrentPrincipal) -> WaiverRead:
    """Approve a waiver requested by someone else."""
    return await service.approve_waiver(session, principal, waiver_id)
