"""Assessment routes: assess, read, approve, reject, appeal and reassess on appeal."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.eligibility.assessments import appeals, decisions, service
from services.eligibility.deps import CryptoDep, PageDep, PublisherDep
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.eligibility import AppealCreate, AppealRead, AssessmentCreate, AssessmentRead, RejectionCreate

router = APIRouter(prefix="/v1", tags=["assessments"])
PARTNER = [CallerKind.partner]


@router.post(
    "/applicants/{applicant_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("assessments:write", kinds=PARTNER),
)
async def assess_applicant(
    applicant_id: str,
    body: AssessmentCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> AssessmentRead:
    """Assess an applicant under the policy in force on the date, storing its version, tier and trace."""
    return await service.assess_applicant(session, crypto, publisher, principal, applicant_id, body)


@router.get(
    "/applicants/{applicant_id}/assessments",
    response_model=Page[AssessmentRead],
    responses=problem_responses(401, 403, 404, 422),
    **requires("assessments:read", kinds=PARTNER),
)
async def list_assessments(
    applicant_id: str, session: TenantSessionDep, crypto: CryptoDep, page: PageDep
) -> Page[AssessmentRead]:
    """List an applicant's assessments, oldest first."""
    return await service.list_assessments(session, crypto, applicant_id, page)


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentRead,
    responses=problem_responses(401, 403, 404),
    **requires("assessments:read", kinds=PARTNER),
)
async def read_assessment(assessment_id: str, session: TenantSessionDep, crypto: CryptoDep) -> AssessmentRead:
    """Read an assessment with its trace and approvals."""
    return await service.read_assessment(session, crypto, assessment_id)


@router.post(
    "/assessments/{assessment_id}/approvals",
    response_model=AssessmentRead,
    responses=problem_responses(401, 403, 404, 409),
    **requires("assessments:approve", kinds=PARTNER),
)
async def approve_assessment(
    assessment_id: str,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> AssessmentRead:
    """Approve as a checker other than the assessor; the last required approval publishes the approval event."""
    return await decisions.approve_assessment(session, crypto, publisher, principal, assessment_id)


@router.post(
    "/assessments/{assessment_id}/rejection",
    response_model=AssessmentRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("assessments:approve", kinds=PARTNER),
)
async def reject_assessment(
    assessment_id: str,
    body: RejectionCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> AssessmentRead:
    """Reject an assessment pending approval, as a checker other than the assessor."""
    return await decisions.reject_assessment(session, crypto, publisher, principal, assessment_id, body.reason)


@router.post(
    "/assessments/{assessment_id}/appeals",
    status_code=status.HTTP_201_CREATED,
    response_model=AppealRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("appeals:write", kinds=PARTNER),
)
async def file_appeal(
    assessment_id: str,
    body: AppealCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> AppealRead:
    """File the applicant's appeal against a rejected or not-eligible decision."""
    return await appeals.file_appeal(session, crypto, publisher, principal, assessment_id, body.grounds)


@router.get(
    "/appeals/{appeal_id}",
    response_model=AppealRead,
    responses=problem_responses(401, 403, 404),
    **requires("appeals:read", kinds=PARTNER),
)
async def read_appeal(
    appeal_id: str, session: TenantSessionDep, principal: CurrentPrincipal, crypto: CryptoDep
) -> AppealRead:
    """Read an appeal (the read of its grounds is audited)."""
    return await appeals.read_appeal(session, crypto, principal, appeal_id)


@router.post(
    "/appeals/{appeal_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("assessments:write", kinds=PARTNER),
)
async def reassess_appeal(
    appeal_id: str,
    body: AssessmentCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> AssessmentRead:
    """Answer an appeal with a new assessment by someone other than the first assessor."""
    return await appeals.reassess_appeal(session, crypto, publisher, principal, appeal_id, body)
