"""Re-screening's work for the eligibility worker: screen everyone still `pending` after a list load, or record
that the job failed (its applicants then stay `pending`, blocked).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.eligibility.applicants.service import Crypto
from services.eligibility.screening.lists import repository, rescreening
from shared.db import session_scope
from shared.jobs import JobKind


async def run_rescreening(app: FastAPI, payload: dict[str, Any]) -> None:
    """Screen every applicant still pending after a list load."""
    crypto = Crypto(cipher=app.state.cipher, blind_index_key=app.state.blind_index_key)
    await rescreening.run_rescreening(app.state.sessionmaker, crypto, app.state.screening, str(payload["job_id"]))


async def fail_rescreening(app: FastAPI, payload: dict[str, Any]) -> None:
    """Record that a re-screening job failed on every attempt (its applicants stay `pending`, blocked)."""
    async with session_scope(app.state.sessionmaker) as session:
        await repository.mark_rescreening_job_failed(session, str(payload["job_id"]))


RESCREENING = JobKind(rescreening.RESCREENING_JOB, run_rescreening, fail_rescreening)
