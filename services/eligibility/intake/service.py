"""Bulk intake: an upload queued as a job, registered by the worker in committed chunks, reported row by row.

A chunk of rows is registered as one batch (`applicants.bulk`): a few statements for the whole chunk instead
of a dozen per row. Should a row fail after its checks, the chunk is rolled back and its rows registered one
by one, each in its own savepoint, so that every row is still whole or not at all. Progress is committed with
each chunk as counts; the per-row report is read page by page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Protocol

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.bulk import register_many
from services.eligibility.applicants.service import Crypto, register_applicant
from services.eligibility.intake import repository
from services.eligibility.intake.errors import IntakeJobNotFound
from services.eligibility.intake.upload import IntakeFormat, RawRow, iter_rows, open_upload
from services.eligibility.models import IntakeJob, tables
from services.eligibility.screening.lists.service import ScreeningState
from shared.auth import CallerKind, Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.errors import ProblemError
from shared.ids import new_id
from shared.jobs import enqueue_job, worker_gone
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.eligibility import ApplicantCreate, IntakeJobRead, IntakeRowReport
from shared.tenancy import scope_to_tenant

log = structlog.get_logger("carrots.eligibility.intake")

INTAKE_JOB = "eligibility.intake"
UPLOAD_FIELD = "intake_jobs.upload"
CHUNK = 1000
# A job without progress for this long has no worker running it (it resumes once one runs).
STALLED_AFTER = timedelta(minutes=5)


class HeartbeatJob(Protocol):
    """A background job that reports progress with a heartbeat."""

    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def heartbeat_at(self) -> datetime | None: ...


def job_status(job: HeartbeatJob, now: datetime, *, worker_gone: bool = False) -> str:
    """The job's status as a caller should read it: a stalled queued or running job is interrupted.

    `worker_gone` says the job engine saw its worker stop renewing the lease (killed or lost): the job reads
    interrupted at once instead of after `STALLED_AFTER` without progress.
    """
    if job.status in {"queued", "running"}:
        if worker_gone:
            return "interrupted"
        last = job.heartbeat_at or job.created_at
        if now - last > STALLED_AFTER:
            return "interrupted"
    return job.status


def _job_read(job: IntakeJob, *, worker_gone: bool = False) -> IntakeJobRead:
    return IntakeJobRead(
        id=job.id,
        status=job_status(job, datetime.now(UTC), worker_gone=worker_gone),
        format=job.format,
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        accepted_rows=job.accepted_rows,
        rejected_rows=job.rejected_rows,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


async def create_job(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    intake_format: IntakeFormat,
    packed: str,
    total_rows: int,
) -> IntakeJobRead:
    """Record a queued job with its upload (packed by `pack_upload`) encrypted under the partner's key, and queue it."""
    job = IntakeJob(
        id=new_id(),
        partner_id=actor.org,
        status="queued",
        format=intake_format,
        total_rows=total_rows,
        processed_rows=0,
        accepted_rows=0,
        rejected_rows=0,
        created_by=actor.subject,
        created_at=datetime.now(UTC),
    )
    # Kept until the job completes, so that a worker that stopped half way can be followed by another.
    job.upload_enc = await cipher.encrypt(session, actor.org, packed, field=UPLOAD_FIELD, row=job.id)
    await repository.add_job(session, job)
    await enqueue_job(session, tables, INTAKE_JOB, {"job_id": job.id, "partner_id": actor.org}, job_id=job.id)
    detail = {"rows": total_rows, "format": intake_format}
    await record_change(
        session, publisher, Change(actor, "intake_job", job.id, "created", partner_id=actor.org, detail=detail)
    )
    return _job_read(job)


async def _job_or_404(session: AsyncSession, job_id: str) -> IntakeJob:
    job = await repository.get_job(session, job_id)
    if job is None:
        raise IntakeJobNotFound(f"No intake job {job_id} for your organisation.")
    return job


async def read_job(session: AsyncSession, job_id: str) -> IntakeJobRead:
    """A job with its progress as counts (small whatever the upload's size)."""
    job = await _job_or_404(session, job_id)
    return _job_read(job, worker_gone=await worker_gone(session, tables, job_id))


async def list_rows(session: AsyncSession, job_id: str, page: PageParams, status: str | None) -> Page[IntakeRowReport]:
    """One page of a job's per-row report, in row order, of one status if given."""
    await _job_or_404(session, job_id)
    rows, cursor = split_page(await repository.list_rows(session, job_id, page, status), page, lambda r: r.row_number)
    return Page[IntakeRowReport](
        items=[
            IntakeRowReport(row=r.row_number, status=r.status, applicant_id=r.applicant_id, problems=r.problems)
            for r in rows
        ],
        next_cursor=cursor,
    )


def _problems_of(error: Exception) -> list[str]:
    # Report where and what, never the rejected value: rows hold personal data.
    if isinstance(error, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in error.errors(include_url=False)]
    if isinstance(error, ProblemError):
        return [error.detail]
    return ["the row could not be registered"]


def _report(job_id: str, number: int, outcome: str | Exception) -> dict[str, Any]:
    if isinstance(outcome, str):
        return {"job_id": job_id, "row_number": number, "status": "accepted", "applicant_id": outcome, "problems": []}
    problems = _problems_of(outcome)
    return {"job_id": job_id, "row_number": number, "status": "rejected", "applicant_id": None, "problems": problems}


async def _one_by_one(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    rows: Sequence[tuple[int, ApplicantCreate]],
) -> list[tuple[int, str | Exception]]:
    outcomes: list[tuple[int, str | Exception]] = []
    for number, data in rows:
        try:
            # A savepoint per row: a bad row rolls back to here and never leaves half an applicant.
            async with session.begin_nested():
                outcomes.append(
                    (number, (await register_applicant(session, crypto, screening, publisher, actor, data)).id)
                )
        except ProblemError as problem:
            outcomes.append((number, problem))
    return outcomes


async def register_chunk(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    job_id: str,
    raws: Sequence[RawRow],
) -> list[dict[str, Any]]:
    """Register a chunk of rows; the report row of each."""
    outcomes: list[tuple[int, str | Exception]] = []
    valid: list[tuple[int, ApplicantCreate]] = []
    for number, record, problem in raws:
        if record is None:
            outcomes.append((number, ProblemError(problem or "unreadable")))
            continue
        try:
            valid.append((number, ApplicantCreate.model_validate(record)))
        except ValidationError as error:
            outcomes.append((number, error))
    try:
        async with session.begin_nested():
            registered = await register_many(session, crypto, screening, publisher, actor, [d for _, d in valid])
        outcomes += [(number, outcome) for (number, _), outcome in zip(valid, registered, strict=True)]
    except ProblemError:
        log.info("intake_chunk_row_by_row", job_id=job_id, rows=len(valid))
        outcomes += await _one_by_one(session, crypto, screening, publisher, actor, valid)
    return [_report(job_id, number, outcome) for number, outcome in sorted(outcomes, key=lambda o: o[0])]


async def process_job(
    maker: async_sessionmaker[AsyncSession],
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    job_id: str,
    stored: str,
    intake_format: IntakeFormat,
    first: int = 0,
) -> None:
    """Register the rows from `first` on in chunks, committing progress with each chunk."""
    rows = iter_rows(open_upload(stored), intake_format, first)
    while chunk := list(islice(rows, CHUNK)):
        async with maker() as session:
            scope_to_tenant(session, actor.org)
            job = await repository.get_job(session, job_id)
            if job is None:
                return
            reports = await register_chunk(session, crypto, screening, publisher, actor, job_id, chunk)
            await repository.add_rows(session, reports)
            accepted = sum(r["status"] == "accepted" for r in reports)
            job.status, job.heartbeat_at = "running", datetime.now(UTC)
            job.processed_rows += len(reports)
            job.accepted_rows += accepted
            job.rejected_rows += len(reports) - accepted
            if job.processed_rows >= job.total_rows:
                job.status, job.finished_at, job.upload_enc = "completed", datetime.now(UTC), None
            await session.commit()
        await asyncio.sleep(0)  # let the worker's other tasks (lease renewal) run between chunks
    log.info("intake_job_processed", job_id=job_id)


async def resume_job(
    maker: async_sessionmaker[AsyncSession],
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    job_id: str,
    partner_id: str,
) -> None:
    """Register the rows of a job that no earlier attempt committed (all of them the first time)."""
    async with maker() as session:
        scope_to_tenant(session, partner_id)
        job = await repository.get_job(session, job_id)
        if job is None or job.status not in {"queued", "running"} or job.upload_enc is None:
            return
        stored = await crypto.cipher.decrypt(session, partner_id, job.upload_enc, field=UPLOAD_FIELD, row=job.id)
        intake_format: IntakeFormat = "csv" if job.format == "csv" else "jsonl"
        actor = Principal(org=partner_id, kind=CallerKind.partner, subject=job.created_by)
        first = job.processed_rows
    await process_job(maker, crypto, screening, publisher, actor, job_id, stored, intake_format, first)
