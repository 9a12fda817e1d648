"""A background job that failed on every attempt reads `failed`, and an intake job keeps no copy of its rows."""

from __future__ import annotations

import json

from sqlalchemy import select

from services.eligibility.models import IntakeJob
from shared.jobs import JobKind
from tests.eligibility.api.helpers import applicant_body, as_officer, read_rescreening_job
from tests.eligibility.api.test_rescreening_jobs import LISTED_AS_PETROV, post_list
from tests.harness import Harness, Tokens


def job_kind(h: Harness, name: str) -> JobKind:
    """The job kind the eligibility worker runs under this name."""
    kinds: list[JobKind] = h.app.state.job_kinds
    return next(kind for kind in kinds if kind.name == name)


async def test_an_intake_job_given_up_reads_failed_and_its_upload_is_dropped(
    eligibility: Harness, tokens: Tokens
) -> None:
    headers = {**as_officer(tokens), "Content-Type": "application/x-ndjson"}
    posted = await eligibility.client.post("/v1/intake-jobs", content=json.dumps(applicant_body()), headers=headers)
    assert posted.status_code == 202, posted.text
    job_id = posted.json()["id"]
    give_up = job_kind(eligibility, "eligibility.intake").give_up
    assert give_up is not None
    await give_up(eligibility.app, {"job_id": job_id, "partner_id": "DE"})
    read = await eligibility.client.get(f"/v1/intake-jobs/{job_id}", headers=as_officer(tokens))
    assert read.json()["status"] == "failed"
    async with eligibility.app.state.sessionmaker() as session:
        stored = await session.execute(
            select(IntakeJob.upload_enc).where(IntakeJob.id == job_id).execution_options(include_all_tenants=True)
        )
        assert stored.scalar_one() is None


async def test_a_rescreening_job_given_up_reads_failed(eligibility: Harness, tokens: Tokens) -> None:
    loaded = await post_list(eligibility, tokens, LISTED_AS_PETROV)
    give_up = job_kind(eligibility, "eligibility.rescreening").give_up
    assert give_up is not None
    await give_up(eligibility.app, {"job_id": loaded["rescreening_job_id"]})
    job = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert job["status"] == "failed"
