"""Bulk intake's work for the eligibility worker: register a job's remaining rows, or record that it failed.

A job resumes where it stopped: intake commits its progress with each chunk of rows and continues after the
last committed row.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.eligibility.applicants.service import Crypto
from services.eligibility.intake import repository
from services.eligibility.intake import service as intake
from shared.db import session_scope
from shared.jobs import JobKind


async def run_intake(app: FastAPI, payload: dict[str, Any]) -> None:
    """Register an intake job's remaining rows."""
    await intake.resume_job(
        app.state.sessionmaker,
        Crypto(cipher=app.state.cipher, blind_index_key=app.state.blind_index_key),
        app.state.screening,
        app.state.publisher,
        str(payload["job_id"]),
        str(payload["partner_id"]),
    )


async def fail_intake(app: FastAPI, payload: dict[str, Any]) -> None:
    """Record that an intake job failed on every attempt; a job that gave up keeps no copy of its rows."""
    async with session_scope(app.state.sessionmaker) as session:
        await repository.mark_job_failed(session, str(payload["job_id"]))


INTAKE = JobKind(intake.INTAKE_JOB, run_intake, fail_intake)
