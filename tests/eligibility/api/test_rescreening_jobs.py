"""Re-screening after a list load runs as a background job; until it has screened someone, they stay blocked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from services.eligibility.intake.service import STALLED_AFTER
from services.eligibility.models import RescreeningJob
from services.eligibility.screening.lists import repository, rescreening
from shared.auth import CallerKind
from tests.eligibility.api.helpers import (
    UNRELATED_PERSON,
    approve,
    as_officer,
    assess,
    install_default_policy,
    ofac_list,
    read_rescreening_job,
    register,
)
from tests.harness import Harness, Tokens, queued_jobs, run_jobs
from tests.statements import counting_statements

LISTED_AS_PETROV = ("Ivan Sergeyevich", "PETROV", "1 Apr 1999")


async def post_list(h: Harness, tokens: Tokens, *people: tuple[str, str, str]) -> dict[str, Any]:
    headers = {**tokens.headers("platform", CallerKind.operator, "sanctions:write"), "Content-Type": "application/xml"}
    response = await h.client.post("/v1/sanctions-lists/ofac_sdn", content=ofac_list(*people), headers=headers)
    assert response.status_code == 202, response.text
    loaded: dict[str, Any] = response.json()
    return loaded


async def screening_status_of(h: Harness, tokens: Tokens, applicant_id: str, org: str = "DE") -> str:
    read = await h.client.get(f"/v1/applicants/{applicant_id}", headers=as_officer(tokens, org))
    assert read.status_code == 200, read.text
    return str(read.json()["screening_status"])


async def test_the_list_load_answers_before_re_screening_and_leaves_everyone_pending(
    eligibility: Harness, tokens: Tokens
) -> None:
    german = await register(eligibility, tokens, "DE")
    polish = await register(eligibility, tokens, "PL")
    loaded = await post_list(eligibility, tokens, LISTED_AS_PETROV)
    assert loaded["rescreened_applicants"] == 2
    assert await queued_jobs(eligibility.app) == [("eligibility.rescreening", {"job_id": loaded["rescreening_job_id"]})]
    assert await screening_status_of(eligibility, tokens, german["id"], "DE") == "pending"
    assert await screening_status_of(eligibility, tokens, polish["id"], "PL") == "pending"
    job = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert (job["status"], job["total"], job["processed"]) == ("queued", 2, 0)
    assert job["list_id"] == loaded["id"]


async def test_approval_is_blocked_while_the_applicant_awaits_re_screening(
    eligibility: Harness, tokens: Tokens
) -> None:
    await install_default_policy(eligibility, tokens)
    applicant = await register(eligibility, tokens, category="skilled_professional")
    await post_list(eligibility, tokens, UNRELATED_PERSON)
    assessment = (await assess(eligibility, tokens, applicant["id"])).json()
    blocked = await approve(eligibility, tokens, assessment["id"], "approver-1")
    assert blocked.status_code == 409
    assert "still running" in blocked.json()["detail"]
    assert await run_jobs(eligibility.app) == 1
    assert await screening_status_of(eligibility, tokens, applicant["id"]) == "clear"
    assert (await approve(eligibility, tokens, assessment["id"], "approver-1")).status_code == 200


async def test_the_job_completes_and_its_hits_appear(eligibility: Harness, tokens: Tokens) -> None:
    listed = await register(eligibility, tokens)
    other = await register(
        eligibility, tokens, names=[{"script": "latin", "family": "Smirnova", "given": "Olga"}], documents=[]
    )
    loaded = await post_list(eligibility, tokens, LISTED_AS_PETROV)
    assert await run_jobs(eligibility.app) == 1
    job = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert (job["status"], job["processed"], job["total"]) == ("completed", 2, 2)
    assert job["finished_at"] is not None
    assert await screening_status_of(eligibility, tokens, listed["id"]) == "hits"
    assert await screening_status_of(eligibility, tokens, other["id"]) == "clear"
    hits = await eligibility.client.get(f"/v1/applicants/{listed['id']}/screening-hits", headers=as_officer(tokens))
    assert [(h["status"], h["confident"]) for h in hits.json()] == [("open", True)]


async def test_an_applicant_registered_while_the_job_runs_is_screened_at_once(
    eligibility: Harness, tokens: Tokens
) -> None:
    await post_list(eligibility, tokens, LISTED_AS_PETROV)
    newcomer = await register(eligibility, tokens)
    assert newcomer["screening_status"] == "hits"


async def test_the_job_reports_progress_batch_by_batch(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        await register(eligibility, tokens, documents=[])
    loaded = await post_list(eligibility, tokens, UNRELATED_PERSON)
    monkeypatch.setattr(rescreening, "BATCH", 1)
    seen: list[tuple[str, int]] = []
    screen_batch = rescreening._screen_batch

    async def recording(*args: Any) -> str | None:
        after = await screen_batch(*args)
        job: RescreeningJob = args[3]
        seen.append((job.status, job.processed))
        return after

    monkeypatch.setattr(rescreening, "_screen_batch", recording)
    assert await run_jobs(eligibility.app) == 1
    assert seen == [("running", 1), ("running", 2), ("running", 3), ("completed", 3)]
    job = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert (job["status"], job["processed"], job["total"]) == ("completed", 3, 3)
    assert job["heartbeat_at"] is not None


async def test_a_job_without_a_recent_heartbeat_reads_as_interrupted_and_keeps_blocking(
    eligibility: Harness, tokens: Tokens
) -> None:
    applicant = await register(eligibility, tokens)
    loaded = await post_list(eligibility, tokens, UNRELATED_PERSON)
    fresh = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert fresh["status"] == "queued"
    long_ago = datetime.now(UTC) - STALLED_AFTER - timedelta(minutes=1)
    async with eligibility.app.state.sessionmaker() as session:
        stmt = update(RescreeningJob).where(RescreeningJob.id == loaded["rescreening_job_id"])
        await session.execute(stmt.values(status="running", created_at=long_ago, heartbeat_at=long_ago))
        await session.commit()
    stalled = await read_rescreening_job(eligibility, tokens, loaded["rescreening_job_id"])
    assert stalled["status"] == "interrupted"
    assert await screening_status_of(eligibility, tokens, applicant["id"]) == "pending"


async def test_a_job_whose_worker_stopped_renewing_its_lease_reads_as_interrupted_at_once(
    eligibility: Harness, tokens: Tokens
) -> None:
    await register(eligibility, tokens)
    loaded = await post_list(eligibility, tokens, UNRELATED_PERSON)
    job_id = loaded["rescreening_job_id"]
    now = datetime.now(UTC)
    jobs = eligibility.app.state.tables.jobs
    async with eligibility.app.state.sessionmaker() as session, session.begin():
        # A worker claimed it a moment ago and made progress, then was killed: its lease ran out.
        await session.execute(
            update(RescreeningJob).where(RescreeningJob.id == job_id).values(status="running", heartbeat_at=now)
        )
        await session.execute(
            update(jobs).where(jobs.c.id == job_id).values(status="running", leased_until=now - timedelta(seconds=1))
        )
    assert (await read_rescreening_job(eligibility, tokens, job_id))["status"] == "interrupted"
    async with eligibility.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(jobs).where(jobs.c.id == job_id).values(leased_until=now + timedelta(minutes=1)))
    assert (await read_rescreening_job(eligibility, tokens, job_id))["status"] == "running"


async def test_only_a_service_with_sanctions_write_reads_a_job(eligibility: Harness, tokens: Tokens) -> None:
    loaded = await post_list(eligibility, tokens, UNRELATED_PERSON)
    path = f"/v1/sanctions-screening-jobs/{loaded['rescreening_job_id']}"
    partner = await eligibility.client.get(path, headers=as_officer(tokens))
    assert partner.status_code == 403
    unknown = await eligibility.client.get(
        "/v1/sanctions-screening-jobs/nope", headers=tokens.headers("platform", CallerKind.operator, "sanctions:write")
    )
    assert unknown.status_code == 404


async def test_a_batch_reads_its_applicants_hits_and_documents_whatever_their_number_on_postgresql_alike(
    eligibility: Harness, tokens: Tokens
) -> None:
    listed = [await register(eligibility, tokens) for _ in range(3)]
    await post_list(eligibility, tokens, LISTED_AS_PETROV)
    assert await run_jobs(eligibility.app) == 1
    ids = [applicant["id"] for applicant in listed]
    texts = []
    async with eligibility.app.state.sessionmaker() as session:
        for among in (ids[:1], [*ids, "no-such-applicant"]):
            with counting_statements(eligibility.app.state.engine) as log:
                hits = await repository.hit_rows_of_applicants(session, among)
                documents = await repository.documents_of_applicants(session, among)
            assert sorted(hit.applicant_id for hit in hits) == sorted(i for i in among if i in ids)
            assert sorted(document.applicant_id for document in documents) == sorted(i for i in among if i in ids)
            texts.append(log.statements)
    if eligibility.app.state.engine.dialect.name == "postgresql":
        # One array parameter: the same short statements for any batch, which psycopg parses once and caches.
        assert texts[0] == texts[1]
