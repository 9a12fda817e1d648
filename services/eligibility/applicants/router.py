"""Applicant routes: registration, reads and evidence."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.eligibility.applicants import service
from services.eligibility.deps import CryptoDep, PageDep, PublisherDep, ScreeningDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.eligibility import ApplicantCreate, ApplicantRead, EvidenceUpdate

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
    screening: ScreeningDep,
    publisher: PublisherDep,
) -> ApplicantRead:
    """Register an applicant: personal data encrypted, documents hashed, duplicates flagged, sanctions screened."""
    return await service.register_applicant(session, crypto, screening, publisher, principal, body)


@router.get(
    "/applicants/{applicant_id}",
    response_model=ApplicantRead,
    responses=problem_responses(401, 403, 404),
    **requires("applicants:read", kinds=PARTNER),
)
async def read_applicant(
    applicant_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep
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
    session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep, page: PageDep
) -> Page[ApplicantRead]:
    """List the calling partner's applicants, oldest first, with cursor pagination."""
    return await service.list_applicants(session, crypto, principal, page)


@router.patch(
    "/applicants/{applicant_id}/evidence",
    response_model=ApplicantRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("applicants:write", kinds=PARTNER),
)
async def update_evidence(
    applicant_id: str,
    body: EvidenceUpdate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> ApplicantRead:
    """Record verified evidence (service verified, arrival in partner territory) for later assessments."""
    return await service.update_evidence(session, crypto, publisher, principal, applicant_id, body)
