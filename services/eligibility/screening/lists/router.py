"""Sanctions routes: load lists (re-screening everyone in the background), see hits, clear them, waive them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from services.eligibility.applicants.service import get_applicant_or_404
from services.eligibility.deps import CryptoDep, PublisherDep, ScreeningDep, requires_with_body
from services.eligibility.screening.lists import hits, rescreening, service, waivers
from services.eligibility.screening.lists.errors import SanctionsListRejected
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.eligibility import (
    RescreeningJobRead,
    SanctionsListRead,
    ScreeningHitRead,
    WaiverCreate,
    WaiverRead,
)
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
    status_code=status.HTTP_202_ACCEPTED,
    max_body_size=MAX_LIST_BYTES,
    response_model=SanctionsListRead,
    responses=problem_responses(401, 403, 422),
    **requires_with_body(
        "sanctions:write",
        [CallerKind.operator],
        _XML_BODY,
        tenant_rule="Lists are shared by every partner; loading one marks every partner's applicants `pending` "
        "and re-screens them in the background.",
    ),
)
async def load_sanctions_list(
    source: str,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    screening: ScreeningDep,
    publisher: PublisherDep,
) -> SanctionsListRead:
    """Load a published sanctions list for every partner; every applicant is re-screened by a background job."""
    if source not in _SOURCES:
        raise SanctionsListRejected(f"Unknown list source {source}; use one of {', '.join(_SOURCES)}.")
    body = await request.body()
    if not body or len(body) > MAX_LIST_BYTES:
        raise SanctionsListRejected(f"Send the list as the request body (at most {MAX_LIST_BYTES} bytes).")
    # Lists are shared by all partners, and re-screening touches every partner's applicants.
    scope_to_tenant(session, ALL_TENANTS)
    loaded = await service.load_sanctions_list(session, screening, publisher, principal, source, body)
    # The worker screens everyone in batches once this commits; until then every applicant is `pending`, blocked.
    job = await rescreening.queue_rescreening(session, publisher, principal, loaded)
    return loaded.model_copy(update={"rescreened_applicants": job.total, "rescreening_job_id": job.id})


@router.get(
    "/sanctions-screening-jobs/{job_id}",
    response_model=RescreeningJobRead,
    responses=problem_responses(401, 403, 404),
    **requires(
        "sanctions:write",
        kinds=[CallerKind.operator],
        tenant_rule="A job spans every partner but reports only counts, never an applicant.",
    ),
)
async def read_rescreening_job(job_id: str, session: SessionDep) -> RescreeningJobRead:
    """Read a re-screening job's progress; `interrupted` means no worker made progress for a while."""
    return await rescreening.read_rescreening_job(session, job_id)


@router.get(
    "/applicants/{applicant_id}/screening-hits",
    response_model=list[ScreeningHitRead],
    responses=problem_responses(401, 403, 404),
    **requires("screening:read", kinds=PARTNER),
)
async def list_screening_hits(
    applicant_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep
) -> list[ScreeningHitRead]:
    """List an applicant's sanctions hits, oldest first, each with its score and explanation (audited)."""
    await get_applicant_or_404(session, applicant_id)
    return await hits.list_hits_of_applicant(session, crypto.cipher, principal, applicant_id)


@router.post(
    "/screening-hits/{hit_id}/clearance",
    response_model=ScreeningHitRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("screening:review", kinds=PARTNER),
)
async def clear_screening_hit(
    hit_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep, publisher: PublisherDep
) -> ScreeningHitRead:
    """Clear a hit as a false positive after review."""
    return await hits.clear_hit(session, crypto.cipher, publisher, principal, hit_id)


@router.post(
    "/screening-hits/{hit_id}/waivers",
    status_code=status.HTTP_201_CREATED,
    response_model=WaiverRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("waivers:request", kinds=PARTNER),
)
async def request_waiver(
    hit_id: str,
    body: WaiverCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    publisher: PublisherDep,
    crypto: CryptoDep,
) -> WaiverRead:
    """Request a waiver of a hit: legal basis, cap and validity; it counts once another person approves it."""
    return await waivers.request_waiver(session, crypto.cipher, publisher, principal, hit_id, body)


@router.post(
    "/waivers/{waiver_id}/approval",
    response_model=WaiverRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("waivers:approve", kinds=PARTNER),
)
async def approve_waiver(
    waiver_id: str, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep, crypto: CryptoDep
) -> WaiverRead:
    """Approve a waiver requested by someone else."""
    return await waivers.approve_waiver(session, crypto.cipher, publisher, principal, waiver_id)
