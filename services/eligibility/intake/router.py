"""Bulk intake routes: upload a CSV or JSON Lines file as a job, then follow its progress."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from services.eligibility.deps import CryptoDep, PageDep, PublisherDep, requires_with_body
from services.eligibility.intake import service
from services.eligibility.intake.errors import IntakeUploadUnreadable
from services.eligibility.intake.upload import IntakeFormat, pack_upload
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.eligibility import IntakeJobRead, IntakeRowReport

router = APIRouter(prefix="/v1", tags=["intake"])
PARTNER = [CallerKind.partner]
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_FORMATS: dict[str, IntakeFormat] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "CSV with the columns listed in the guide, or JSON Lines with one applicant per line.",
        "content": {media: {"schema": {"type": "string"}} for media in _FORMATS},
    }
}


@router.post(
    "/intake-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    max_body_size=MAX_UPLOAD_BYTES,
    response_model=IntakeJobRead,
    responses=problem_responses(401, 403, 422),
    **requires_with_body("applicants:write", PARTNER, _BODY_DOC),
)
async def create_intake_job(
    request: Request,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    publisher: PublisherDep,
) -> IntakeJobRead:
    """Upload applicants in bulk; the worker registers the rows after the answer, each whole or not at all."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    intake_format = _FORMATS.get(media)
    if intake_format is None:
        raise IntakeUploadUnreadable(f"Send text/csv or application/x-ndjson, not {media or 'no type'}.")
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise IntakeUploadUnreadable(f"The upload is larger than {MAX_UPLOAD_BYTES} bytes; split it.")
    # Checking, counting and compressing 100,000 rows takes a while: off the event loop.
    packed, total = await asyncio.to_thread(pack_upload, body, intake_format)
    del body
    return await service.create_job(session, crypto.cipher, publisher, principal, intake_format, packed, total)


@router.get(
    "/intake-jobs/{job_id}",
    response_model=IntakeJobRead,
    responses=problem_responses(401, 403, 404),
    **requires("applicants:read", kinds=PARTNER),
)
async def read_intake_job(job_id: str, session: TenantSessionDep) -> IntakeJobRead:
    """Read a bulk intake job's progress as counts: rows processed, accepted and rejected."""
    return await service.read_job(session, job_id)


@router.get(
    "/intake-jobs/{job_id}/rows",
    response_model=Page[IntakeRowReport],
    responses=problem_responses(401, 403, 404, 422),
    **requires("applicants:read", kinds=PARTNER),
)
async def list_intake_rows(
    job_id: str,
    session: TenantSessionDep,
    page: PageDep,
    row_status: Annotated[
        Literal["accepted", "rejected"] | None, Query(alias="status", description="Only rows with this outcome.")
    ] = None,
) -> Page[IntakeRowReport]:
    """Page through a bulk intake job's per-row report in row order: each row's applicant, or why it was rejected."""
    return await service.list_rows(session, job_id, page, row_status)
