"""Bulk intake: read a CSV or JSON Lines upload, then register each row in its own savepoint."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import structlog
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.service import Crypto, register_applicant
from services.eligibility.errors import IntakeJobNotFound, IntakeUploadUnreadable
from services.eligibility.intake import repository
from services.eligibility.models import IntakeJob, IntakeRow, tables
from services.eligibility.screening.lists.service import ScreeningState
from shared.auth import CallerKind, Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.errors import ProblemError
from shared.ids import new_id
from shared.jobs import enqueue_job, worker_gone
from shared.outbox import EventPublisher
from shared.schemas.eligibility import ApplicantCreate, IntakeJobRead, IntakeRowReport
from shared.tenancy import scope_to_tenant

log = structlog.get_logger("carrots.eligibility.intake")

IntakeFormat = Literal["csv", "jsonl"]
INTAKE_JOB = "eligibility.intake"
UPLOAD_FIELD = "intake_jobs.upload"
MAX_ROWS = 10_000
CHUNK = 25
CSV_COLUMNS = (
    "category",
    "family_latin",
    "given_latin",
    "patronymic_latin",
    "family_cyrillic",
    "given_cyrillic",
    "patronymic_cyrillic",
    "birth_date",
    "citizenship",
    "rank_or_post",
    "document_type",
    "document_country",
    "document_number",
    "service_verified",
    "arrived_in_partner_territory",
    "left_post",
    "main_applicant_id",
)
RawRow = tuple[int, dict[str, Any] | None, str | None]


def _flag(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in {"", "false", "no", "0"}:
        return False
    if text in {"true", "yes", "1"}:
        return True
    raise ValueError(f"{column} must be true or false")


def _csv_record(cells: dict[str, str]) -> dict[str, Any]:
    """Turn one CSV row into the shape of ApplicantCreate."""
    names = []
    for script, suffix in (("latin", "_latin"), ("cyrillic", "_cyrillic")):
        family, given = cells.get("family" + suffix, "").strip(), cells.get("given" + suffix, "").strip()
        if family or given:
            names.append(
                {
                    "script": script,
                    "family": family or None,
                    "given": given or None,
                    "patronymic": cells.get("patronymic" + suffix, "").strip() or None,
                }
            )
    documents = []
    if cells.get("document_number", "").strip():
        documents.append(
            {
                "type": cells.get("document_type", "").strip() or "passport",
                "issuing_country": cells.get("document_country", "").strip(),
                "number": cells["document_number"].strip(),
            }
        )
    return {
        "category": cells.get("category", "").strip(),
        "names": names,
        # An empty cell is an unknown birth date; `1987` and `1987-05` are partial ones.
        "birth_date": cells.get("birth_date", "").strip() or None,
        "citizenship": cells.get("citizenship", "").strip(),
        "rank_or_post": cells.get("rank_or_post", "").strip() or None,
        "documents": documents,
        "evidence": {
            "service_verified": _flag(cells.get("service_verified", ""), "service_verified"),
            "arrived_in_partner_territory": _flag(
                cells.get("arrived_in_partner_territory", ""), "arrived_in_partner_territory"
            ),
            "left_post": _flag(cells.get("left_post", ""), "left_post"),
        },
        "main_applicant_id": cells.get("main_applicant_id", "").strip() or None,
    }


def _read_csv(text: str) -> Iterator[RawRow]:
    reader = csv.DictReader(io.StringIO(text))
    unknown = sorted(set(reader.fieldnames or []) - set(CSV_COLUMNS))
    if not reader.fieldnames or unknown:
        raise IntakeUploadUnreadable(
            f"The CSV header has unknown columns {', '.join(unknown) or '(none given)'}; use: {', '.join(CSV_COLUMNS)}."
        )
    for number, cells in enumerate(reader, start=1):
        try:
            yield number, _csv_record({k: v or "" for k, v in cells.items() if k}), None
        except ValueError as error:
            yield number, None, str(error)


def _read_jsonl(text: str) -> Iterator[RawRow]:
    lines = [line for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, None, f"not a JSON object: {error.msg} at column {error.colno}"
            continue
        if isinstance(record, dict):
            yield number, record, None
        else:
            yield number, None, "each line must be one JSON object"


def decode_upload(content: bytes) -> str:
    """An upload's text, or IntakeUploadUnreadable."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IntakeUploadUnreadable("The upload is not UTF-8 text.") from error


def split_rows(text: str, intake_format: IntakeFormat) -> list[RawRow]:
    """Split an upload's text into numbered rows, each parsed or with the reason it could not be."""
    try:
        return list(_read_csv(text) if intake_format == "csv" else _read_jsonl(text))
    except csv.Error as error:
        # The csv module's own limits (a field over 128 KiB, a NUL byte): the file is not a table of applicants.
        raise IntakeUploadUnreadable(f"The upload is not a readable CSV table: {error}.") from error


def read_upload(content: bytes, intake_format: IntakeFormat) -> list[RawRow]:
    """Split an upload into numbered rows, each parsed or with the reason it could not be."""
    rows = split_rows(decode_upload(content), intake_format)
    if not rows:
        raise IntakeUploadUnreadable("The upload holds no rows.")
    if len(rows) > MAX_ROWS:
        raise IntakeUploadUnreadable(f"The upload holds {len(rows)} rows; split it into files of at most {MAX_ROWS}.")
    return rows


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


def _job_read(job: IntakeJob, rows: list[IntakeRow], *, worker_gone: bool = False) -> IntakeJobRead:
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
        rows=[
            IntakeRowReport(row=r.row_number, status=r.status, applicant_id=r.applicant_id, problems=r.problems)
            for r in rows
        ],
    )


async def create_job(
    session: AsyncSession,
    cipher: FieldCipher,
    publisher: EventPublisher,
    actor: Principal,
    intake_format: IntakeFormat,
    text: str,
    total_rows: int,
) -> IntakeJobRead:
    """Record a queued job with its upload encrypted under the partner's key, and queue it for the worker."""
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
    job.upload_enc = await cipher.encrypt(session, actor.org, text, field=UPLOAD_FIELD, row=job.id)
    await repository.add_job(session, job)
    await enqueue_job(session, tables, INTAKE_JOB, {"job_id": job.id, "partner_id": actor.org}, job_id=job.id)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "intake_job",
            job.id,
            "created",
            partner_id=actor.org,
            detail={"rows": total_rows, "format": intake_format},
        ),
    )
    return _job_read(job, [])


async def read_job(session: AsyncSession, job_id: str) -> IntakeJobRead:
    """A job with its progress and per-row report."""
    job = await repository.get_job(session, job_id)
    if job is None:
        raise IntakeJobNotFound(f"No intake job {job_id} for your organisation.")
    gone = await worker_gone(session, tables, job_id)
    return _job_read(job, list(await repository.list_rows(session, job_id)), worker_gone=gone)


def _problems_of(error: Exception) -> list[str]:
    # Report where and what, never the rejected value: rows hold personal data.
    if isinstance(error, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in error.errors(include_url=False)]
    if isinstance(error, ProblemError):
        return [error.detail]
    return ["the row could not be registered"]


async def _register_row(
    session: AsyncSession,
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    job_id: str,
    raw: RawRow,
) -> IntakeRow:
    number, record, problem = raw
    if record is None:
        return IntakeRow(job_id=job_id, row_number=number, status="rejected", problems=[problem or "unreadable"])
    try:
        data = ApplicantCreate.model_validate(record)
        # A savepoint per row: a bad row rolls back to here and never leaves half an applicant.
        async with session.begin_nested():
            created = await register_applicant(session, crypto, screening, publisher, actor, data)
    except (ValidationError, ProblemError) as error:
        return IntakeRow(job_id=job_id, row_number=number, status="rejected", problems=_problems_of(error))
    return IntakeRow(job_id=job_id, row_number=number, status="accepted", applicant_id=created.id, problems=[])


async def process_job(
    maker: async_sessionmaker[AsyncSession],
    crypto: Crypto,
    screening: ScreeningState,
    publisher: EventPublisher,
    actor: Principal,
    job_id: str,
    rows: list[RawRow],
    first: int = 0,
) -> None:
    """Register the rows from `first` on in chunks, committing progress with each chunk."""
    for start in range(first, len(rows), CHUNK):
        async with maker() as session:
            scope_to_tenant(session, actor.org)
            job = await repository.get_job(session, job_id)
            if job is None:
                return
            results = [
                await _register_row(session, crypto, screening, publisher, actor, job_id, raw)
                for raw in rows[start : start + CHUNK]
            ]
            await repository.add_rows(session, results)
            job.status = "running"
            job.heartbeat_at = datetime.now(UTC)
            job.processed_rows += len(results)
            job.accepted_rows += sum(r.status == "accepted" for r in results)
            job.rejected_rows += sum(r.status == "rejected" for r in results)
            if job.processed_rows >= job.total_rows:
                job.status = "completed"
                job.finished_at = datetime.now(UTC)
                job.upload_enc = None
            await session.commit()
    log.info("intake_job_processed", job_id=job_id, rows=len(rows) - first)


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
        text = await crypto.cipher.decrypt(session, partner_id, job.upload_enc, field=UPLOAD_FIELD, row=job.id)
        intake_format: IntakeFormat = "csv" if job.format == "csv" else "jsonl"
        actor = Principal(org=partner_id, kind=CallerKind.partner, subject=job.created_by)
        first = job.processed_rows
    await process_job(maker, crypto, screening, publisher, actor, job_id, split_rows(text, intake_format), first)
