"""Intake routes: officers submit testimonies and media; applicants submit with a one-time token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile, status

from services.testimony.deps import ToolkitDep
from services.testimony.errors import MediaRejected
from services.testimony.intake import service
from services.testimony.intake.service import MAX_MEDIA_BYTES
from shared.auth import CallerKind, CurrentPrincipal, public, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.testimony import (
    ApplicantSubmission,
    ApplicantSubmissionRead,
    OriginalRead,
    SubmissionTokenCreate,
    SubmissionTokenIssued,
    TestimonyCreate,
    TestimonyRead,
)

router = APIRouter(tags=["testimonies"])
# The media file and the multipart framing around it.
MEDIA_BODY_LIMIT = MAX_MEDIA_BYTES + 64 * 1024
PARTNER = [CallerKind.partner]


@router.post(
    "/v1/testimonies",
    status_code=status.HTTP_201_CREATED,
    response_model=TestimonyRead,
    responses=problem_responses(401, 403, 422),
    **requires("testimonies:write", kinds=PARTNER),
)
async def submit_testimony(
    body: TestimonyCreate, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> TestimonyRead:
    """Submit a testimony as an officer; the text is sealed at once and only its SHA-256 is ever shown."""
    return await service.create_testimony(session, kit, principal, body)


@router.post(
    "/v1/testimonies/{testimony_id}/media",
    status_code=status.HTTP_201_CREATED,
    max_body_size=MEDIA_BODY_LIMIT,
    response_model=OriginalRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("testimonies:write", kinds=PARTNER),
)
async def add_media(
    testimony_id: str,
    file: Annotated[UploadFile, File(description="An image, audio or video original.")],
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    kit: ToolkitDep,
) -> OriginalRead:
    """Add an image, audio or video original to a testimony; it is sealed and never served."""
    content = await file.read(MAX_MEDIA_BYTES + 1)
    if len(content) > MAX_MEDIA_BYTES:
        raise MediaRejected(f"A media file may hold at most {MAX_MEDIA_BYTES} bytes.")
    media_type = file.content_type or "application/octet-stream"
    return await service.add_media(session, kit, principal, testimony_id, media_type, content)


@router.get(
    "/v1/testimonies/{testimony_id}",
    response_model=TestimonyRead,
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:read", kinds=PARTNER),
)
async def read_testimony(testimony_id: str, session: TenantSessionDep) -> TestimonyRead:
    """Read one of the calling partner's testimonies: metadata and hashes, never the original."""
    return await service.read_testimony(session, testimony_id)


@router.get(
    "/v1/testimonies",
    response_model=Page[TestimonyRead],
    responses=problem_responses(401, 403, 422),
    **requires("testimonies:read", kinds=PARTNER),
)
async def list_testimonies(
    session: TenantSessionDep, page: Annotated[PageParams, Depends(page_params)]
) -> Page[TestimonyRead]:
    """List the calling partner's testimonies, oldest first, with cursor pagination."""
    return await service.list_testimonies(session, page)


@router.post(
    "/v1/submission-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionTokenIssued,
    responses=problem_responses(401, 403, 404, 422),
    **requires("testimonies:write", kinds=PARTNER),
)
async def issue_submission_token(
    body: SubmissionTokenCreate, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> SubmissionTokenIssued:
    """Issue a one-time token with which an applicant can submit a testimony without an account."""
    return await service.issue_submission_token(session, kit, principal, body)


@router.post(
    "/public/submissions",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicantSubmissionRead,
    responses=problem_responses(401, 422),
    **public("applicants have no account; the one-time submission token authorises the call"),
)
async def submit_with_token(body: ApplicantSubmission, session: SessionDep, kit: ToolkitDep) -> ApplicantSubmissionRead:
    """Submit a testimony as the applicant, with the submission token the officer handed over."""
    return await service.submit_with_token(session, kit, body)
