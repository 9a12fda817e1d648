"""Sanctions routes: load lists (re-screening everyone in the background), see hits, clear them, waive them."""

from __future__ import annotations

from functools import partial
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.service import Crypto, get_applicant_or_404
from services.eligibility.deps import CryptoDep, PublisherDep, ScreeningDep, requires_with_body
from services.eligibility.errors import SanctionsListRejected
from services.eligibility.jobs import run_job, start_job_task
from services.eligibility.models import RescreeningJob
from services.eligibility.sanctions import rescreening, service
from services.eligibility.sanctions.service import ScreeningState
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep, TenantSessionDep, after_unit_of_work
from shared.errors import problem_responses
from shared.schemas.eligibility import (
    RescreeningJobRead,
    SanctionsListRead,
    ScreeningHitRead,
    WaiverCreate,
    WaiverRead,
)
from shared.tenancy import ALL_TENANTS, scope_to_tenant

log = structlog.get_logger("carrots.eligibility.rescreening")
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


async def run_rescreening_job(
    maker: async_sessionmaker[AsyncSession], crypto: Crypto, screening: ScreeningState, job_id: str
) -> None:
    """Run a re-screening job, recording why it stopped if it did not complete (applicants then stay `pending`)."""
    work = partial(rescreening.run_rescreening, maker, crypto, screening, job_id)
    await run_job(work, maker, RescreeningJob, job_id, log, "rescreening_job_failed")


def start_rescreening_job(app: FastAPI, crypto: Crypto, screening: ScreeningState, job_id: str) -> None:
    """Start the job as a task of this replica (cancelled, and marked interrupted, at shutdown)."""
    start_job_task(app, run_rescreening_job(app.state.sessionmaker, crypto, screening, job_id))


@router.post(
    "/sanctions-lists/{source}",
    status_code=status.HTTP_202_ACCEPTED,
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
    crypto: CryptoDep,
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
    job = await rescreening.queue_rescreening(session, publisher, principal, loaded)
    # Screening runs after the commit, in batches; until then every applicant is `pending` and blocked.
    after_unit_of_work(request, lambda: start_rescreening_job(request.app, crypto, screening, job.id))
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
    """Read a re-screening job's progress; `interrupted` means no progress for a while (load the list again)."""
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
    return await service.list_hits_of_applicant(session, crypto.cipher, principal, applicant_id)


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
    return await service.clear_hit(session, crypto.cipher, publisher, principal, hit_id)


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
    return await service.request_waiver(session, crypto.cipher, publisher, principal, hit_id, body)


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
    return await service.approve_waiver(session, crypto.cipher, publisher, principal, waiver_id)
