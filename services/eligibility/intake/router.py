"""Bulk intake routes: upload a CSV or JSON Lines file as a job, then follow its progress."""

from __future__ import annotations

from functools import partial
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, status
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.service import Crypto
from services.eligibility.deps import CryptoDep, PublisherDep, ScreeningDep, requires_with_body
from services.eligibility.errors import IntakeUploadUnreadable
from services.eligibility.intake import service
from services.eligibility.intake.service import IntakeFormat, RawRow
from services.eligibility.jobs import run_job, start_job_task
from services.eligibility.models import IntakeJob
from services.eligibility.sanctions.service import ScreeningState
from shared.auth import CallerKind, CurrentPrincipal, Principal, requires
from shared.deps import TenantSessionDep, after_unit_of_work
from shared.errors import problem_responses
from shared.schemas.eligibility import IntakeJobRead

log = structlog.get_logger("carrots.eligibility.intake")
router = APIRouter(prefix="/v1", tags=["intake"])
PARTNER = [CallerKind.partner]
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
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


def _start_job(
    app: FastAPI, crypto: Crypto, screening: ScreeningState, actor: Principal, job_id: str, rows: list[RawRow]
) -> None:
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    work = partial(service.process_job, maker, crypto, screening, app.state.publisher, actor, job_id, rows)
    # If the replica shuts down first, the rows held in memory are lost and the job reads `interrupted`.
    start_job_task(app, run_job(work, maker, IntakeJob, job_id, log, "intake_job_failed"))


@router.post(
    "/intake-jobs",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IntakeJobRead,
    responses=problem_responses(401, 403, 422),
    **requires_with_body("applicants:write", PARTNER, _BODY_DOC),
)
async def create_intake_job(
    request: Request,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    crypto: CryptoDep,
    screening: ScreeningDep,
    publisher: PublisherDep,
) -> IntakeJobRead:
    """Upload applicants in bulk; rows are registered after the answer, each whole or not at all."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    intake_format = _FORMATS.get(media)
    if intake_format is None:
        raise IntakeUploadUnreadable(f"Send text/csv or application/x-ndjson, not {media or 'no type'}.")
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise IntakeUploadUnreadable(f"The upload is larger than {MAX_UPLOAD_BYTES} bytes; split it.")
    rows = service.read_upload(body, intake_format)
    job = await service.create_job(session, publisher, principal, intake_format, len(rows))
    # Rows stay in memory only: they hold personal data that is stored solely as registered applicants.
    after_unit_of_work(request, lambda: _start_job(request.app, crypto, screening, principal, job.id, rows))
    return job


@router.get(
    "/intake-jobs/{job_id}",
    response_model=IntakeJobRead,
    responses=problem_responses(401, 403, 404),
    **requires("applicants:read", kinds=PARTNER),
)
async def read_intake_job(job_id: str, session: TenantSessionDep) -> IntakeJobRead:
    """Read a bulk intake job: progress, counts and what was rejected in each row and why."""
    return await service.read_job(session, job_id)
