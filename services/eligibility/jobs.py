"""Eligibility's background jobs, run by its worker: bulk intake and re-screening after a list load.

Both resume where they stopped: intake commits its progress with each chunk of rows and continues after the
last committed row; re-screening screens whoever is still `pending`.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.applicants.service import Crypto
from services.eligibility.intake import service as intake
from services.eligibility.models import IntakeJob, RescreeningJob
from services.eligibility.screening.lists import rescreening
from services.eligibility.screening.lists.rescreening import RESCREENING_JOB
from shared.db import session_scope
from shared.jobs import JobKind

log = structlog.get_logger("carrots.eligibility.jobs")
JobTable = type[IntakeJob] | type[RescreeningJob]


async def mark_job(maker: async_sessionmaker[AsyncSession], job_table: JobTable, job_id: str, job_status: str) -> None:
    """Set a job's status in its own transaction, whichever partner it belongs to."""
    values: dict[str, Any] = {"status": job_status}
    if job_table is IntakeJob:
        values["upload_enc"] = None  # a job that gave up keeps no copy of its rows
    async with session_scope(maker) as session:
        await session.execute(
            update(job_table).where(job_table.id == job_id).values(**values).execution_options(include_all_tenants=True)
        )


def _crypto(app: FastAPI) -> Crypto:
    return Crypto(cipher=app.state.cipher, blind_index_key=app.state.blind_index_key)


async def run_intake(app: FastAPI, payload: dict[str, Any]) -> None:
    """Register an intake job's remaining rows."""
    await intake.resume_job(
        app.state.sessionmaker,
        _crypto(app),
        app.state.screening,
        app.state.publisher,
        str(payload["job_id"]),
        str(payload["partner_id"]),
    )


async def fail_intake(app: FastAPI, payload: dict[str, Any]) -> None:
    """Record that an intake job failed on every attempt."""
    await mark_job(app.state.sessionmaker, IntakeJob, str(payload["job_id"]), "failed")


async def run_rescreening(app: FastAPI, payload: dict[str, Any]) -> None:
    """Screen every applicant still pending after a list load."""
    await rescreening.run_rescreening(app.state.sessionmaker, _crypto(app), app.state.screening, str(payload["job_id"]))


async def fail_rescreening(app: FastAPI, payload: dict[str, Any]) -> None:
    """Record that a re-screening job failed on every attempt (its applicants stay `pending`, blocked)."""
    await mark_job(app.state.sessionmaker, RescreeningJob, str(payload["job_id"]), "failed")


JOBS = (
    JobKind(intake.INTAKE_JOB, run_intake, fail_intake),
    JobKind(RESCREENING_JOB, run_rescreening, fail_rescreening),
)
