"""Re-screening after a list load: mark everyone `pending` at once, then screen them in committed batches."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.service import Crypto, decrypt_identity, full_names
from services.eligibility.intake.service import job_status
from services.eligibility.models import RescreeningJob, tables
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.batch import rescreen_applicants
from services.eligibility.screening.lists.errors import RescreeningJobNotFound
from services.eligibility.screening.lists.service import ScreeningState, screening_subject
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import KeyDestroyed
from shared.ids import new_id
from shared.jobs import enqueue_job, worker_gone
from shared.outbox import EventPublisher
from shared.schemas.eligibility import RescreeningJobRead, SanctionsListRead
from shared.tenancy import ALL_TENANTS, scope_to_tenant

log = structlog.get_logger("carrots.eligibility.rescreening")
BATCH = 200
# Applicants decrypted between two turns of the event loop (a few ms of CPU at most).
YIELD_EVERY = 50
RESCREENING_JOB = "eligibility.rescreening"


def rescreening_job_read(job: RescreeningJob, *, worker_gone: bool = False) -> RescreeningJobRead:
    """A job as callers read it; a queued or running job without a recent heartbeat reads as interrupted."""
    return RescreeningJobRead.model_validate(
        {
            "id": job.id,
            "status": job_status(job, datetime.now(UTC), worker_gone=worker_gone),
            "list_id": job.list_id,
            "list_source": job.list_source,
            "list_version": job.list_version,
            "total": job.total,
            "processed": job.processed,
            "created_at": job.created_at,
            "heartbeat_at": job.heartbeat_at,
            "finished_at": job.finished_at,
        }
    )


async def queue_rescreening(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, loaded: SanctionsListRead
) -> RescreeningJobRead:
    """Mark every partner's applicants `pending` (approval stays blocked) and queue a job for the worker."""
    pending = await repository.mark_every_applicant_pending(session)
    job = RescreeningJob(
        id=new_id(),
        list_id=loaded.id,
        list_source=loaded.source,
        list_version=loaded.version,
        status="queued",
        total=pending,
        processed=0,
        created_by=actor.subject,
        created_at=datetime.now(UTC),
    )
    await repository.add_rescreening_job(session, job)
    await enqueue_job(session, tables, RESCREENING_JOB, {"job_id": job.id}, job_id=job.id)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "rescreening_job",
            job.id,
            "created",
            partner_id=None,
            detail={"list_id": loaded.id, "applicants": pending},
        ),
    )
    return rescreening_job_read(job)


async def read_rescreening_job(session: AsyncSession, job_id: str) -> RescreeningJobRead:
    """A re-screening job with its progress."""
    job = await repository.get_rescreening_job(session, job_id)
    if job is None:
        raise RescreeningJobNotFound(f"No re-screening job {job_id}.")
    return rescreening_job_read(job, worker_gone=await worker_gone(session, tables, job_id))


async def _screen_batch(
    session: AsyncSession, crypto: Crypto, screening: ScreeningState, job: RescreeningJob, after: str | None
) -> str | None:
    """Screen one batch of pending applicants and record progress; returns the last id, None when done."""
    batch = list(await repository.list_pending_applicants(session, after, BATCH))
    documents: dict[str, list[Any]] = {}
    for document in await repository.documents_of_applicants(session, [a.id for a in batch]):
        documents.setdefault(document.applicant_id, []).append(document)
    screened = []
    for position, applicant in enumerate(batch):
        if position and not position % YIELD_EVERY:
            await asyncio.sleep(0)  # decrypting is CPU: let requests in between
        try:
            names, birth, _ = await decrypt_identity(session, crypto, applicant)
        except KeyDestroyed:
            continue  # an erased partner's applicant: nothing left to screen
        subject = screening_subject(applicant, full_names(names), birth, documents.get(applicant.id, []))
        screened.append((applicant, subject))
    # The whole batch at once: screened in the screening processes, its hits read and written as plain rows.
    await rescreen_applicants(session, crypto.cipher, screening, screened)
    now = datetime.now(UTC)
    job.status, job.heartbeat_at = "running", now
    job.processed += len(batch)
    if not batch:
        job.status, job.finished_at = "completed", now
        return None
    return batch[-1].id


async def run_rescreening(
    maker: async_sessionmaker[AsyncSession], crypto: Crypto, screening: ScreeningState, job_id: str
) -> None:
    """Screen every pending applicant again, one committed transaction per batch; a rerun continues with who is left."""
    after: str | None = None
    while True:
        async with maker() as session:
            # The job spans every partner's applicants; every query below filters explicitly.
            scope_to_tenant(session, ALL_TENANTS)
            job = await repository.get_rescreening_job(session, job_id)
            if job is None or job.status not in {"queued", "running"}:
                return
            after = await _screen_batch(session, crypto, screening, job, after)
            await session.commit()
        if after is None:
            log.info("rescreening_job_completed", job_id=job_id)
            return
