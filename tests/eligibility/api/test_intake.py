"""Bulk intake: CSV and JSON Lines jobs with progress and a per-row report; bad rows leave nothing behind."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import create_async_engine

from services.eligibility.applicants import bulk as applicants_bulk
from services.eligibility.applicants import service as applicants_service
from services.eligibility.intake import service as intake_service
from services.eligibility.screening.lists.batch import screen_new_applicants
from shared.errors import Unprocessable
from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Harness, Tokens, backend, run_jobs
from tests.statements import counting_statements

HEADER = (
    "category,family_latin,given_latin,patronymic_latin,family_cyrillic,given_cyrillic,patronymic_cyrillic,"
    "birth_date,citizenship,rank_or_post,document_type,document_country,document_number,service_verified,"
    "arrived_in_partner_territory,main_applicant_id"
)
GOOD = "conscript,Petrov,Ivan,,Петров,Иван,Сергеевич,1999-04-01,RU,private,passport,RU,75 1234567,true,false,"
BAD_DATE = "officer,Sidorov,Pavel,,,,,1999-13-01,RU,major,passport,RU,75 7654321,true,false,"
BAD_CATEGORY = "general,Smirnov,Oleg,,,,,1980-01-01,RU,,passport,RU,75 1111111,yes,no,"
NO_NAME = "diplomat,,,,,,,1970-05-05,RU,attache,passport,RU,75 2222222,no,no,"


async def wait_for_job(h: Harness, tokens: Tokens, job_id: str, org: str = "DE") -> dict[str, Any]:
    """Run the worker's jobs until a job finished."""
    for _ in range(20):
        await run_jobs(h.app)
        job: dict[str, Any] = (await h.client.get(f"/v1/intake-jobs/{job_id}", headers=as_officer(tokens, org))).json()
        if job["status"] in {"completed", "failed"}:
            job["rows"] = await report_rows(h, tokens, job_id, org)
            return job
    raise AssertionError(f"job {job_id} did not finish")


async def report_rows(
    h: Harness, tokens: Tokens, job_id: str, org: str = "DE", *, limit: int = 2, status: str | None = None
) -> list[dict[str, Any]]:
    """The job's whole per-row report, read page by page."""
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit} | ({"status": status} if status else {})
    while True:
        response = await h.client.get(f"/v1/intake-jobs/{job_id}/rows", params=params, headers=as_officer(tokens, org))
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["items"]
        if page["next_cursor"] is None:
            return rows
        params["after"] = page["next_cursor"]


async def upload(h: Harness, tokens: Tokens, content: str, media: str) -> dict[str, Any]:
    """Upload a bulk file and return the queued job."""
    headers = {**as_officer(tokens), "Content-Type": media}
    response = await h.client.post("/v1/intake-jobs", content=content.encode(), headers=headers)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


async def count_applicants(h: Harness, tokens: Tokens) -> int:
    """How many applicants the partner has."""
    page = (await h.client.get("/v1/applicants?limit=200", headers=as_officer(tokens))).json()
    return len(page["items"])


async def test_a_csv_upload_registers_good_rows_and_reports_each_bad_one(eligibility: Harness, tokens: Tokens) -> None:
    job = await upload(eligibility, tokens, "\n".join([HEADER, GOOD, BAD_DATE, BAD_CATEGORY, NO_NAME]), "text/csv")
    assert (job["status"], job["total_rows"]) == ("queued", 4)
    done = await wait_for_job(eligibility, tokens, job["id"])
    assert (done["status"], done["processed_rows"], done["accepted_rows"], done["rejected_rows"]) == (
        "completed",
        4,
        1,
        3,
    )
    rows = {r["row"]: r for r in done["rows"]}
    assert rows[1]["status"] == "accepted"
    assert rows[1]["applicant_id"]
    assert any("birth_date" in p for p in rows[2]["problems"])
    assert any("category" in p for p in rows[3]["problems"])
    assert any("names" in p for p in rows[4]["problems"])
    assert "1999-13-01" not in json.dumps(done)
    rejected = await report_rows(eligibility, tokens, job["id"], status="rejected")
    assert [r["row"] for r in rejected] == [2, 3, 4]
    progress = await eligibility.client.get(f"/v1/intake-jobs/{job['id']}", headers=as_officer(tokens))
    assert "rows" not in progress.json()  # progress is counts; the report is paged
    assert await count_applicants(eligibility, tokens) == 1


async def test_a_row_failing_after_validation_leaves_no_half_applicant(eligibility: Harness, tokens: Tokens) -> None:
    orphan = applicant_body(category="family_member", main_applicant_id="01890000-0000-7000-8000-000000000000")
    lines = [json.dumps(applicant_body()), json.dumps(orphan), "{not json", "[1, 2]"]
    job = await upload(eligibility, tokens, "\n".join(lines), "application/x-ndjson")
    done = await wait_for_job(eligibility, tokens, job["id"])
    assert [r["status"] for r in done["rows"]] == ["accepted", "rejected", "rejected", "rejected"]
    assert "main applicant" in done["rows"][1]["problems"][0]
    assert await count_applicants(eligibility, tokens) == 1


async def test_an_upload_in_an_unknown_format_is_refused(eligibility: Harness, tokens: Tokens) -> None:
    headers = {**as_officer(tokens), "Content-Type": "application/pdf"}
    response = await eligibility.client.post("/v1/intake-jobs", content=b"%PDF", headers=headers)
    assert response.status_code == 422
    bad_header = {**as_officer(tokens), "Content-Type": "text/csv"}
    response = await eligibility.client.post("/v1/intake-jobs", content=b"name,surname\nx,y", headers=bad_header)
    assert response.status_code == 422
    assert "unknown columns name, surname" in response.json()["detail"]


async def test_another_partner_cannot_see_a_job(eligibility: Harness, tokens: Tokens) -> None:
    job = await upload(eligibility, tokens, "\n".join([HEADER, GOOD]), "text/csv")
    await wait_for_job(eligibility, tokens, job["id"])
    other = await eligibility.client.get(f"/v1/intake-jobs/{job['id']}", headers=as_officer(tokens, "PL"))
    assert other.status_code == 404
    report = await eligibility.client.get(f"/v1/intake-jobs/{job['id']}/rows", headers=as_officer(tokens, "PL"))
    assert report.status_code == 404


async def test_a_row_failing_midway_is_rolled_back_to_nothing(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:

    async def screen_failing_for_sidorov(*args: Any, **kwargs: Any) -> Any:
        # Runs after the applicant and its documents were built, so nothing of them may remain.
        if any("Sidorov" in name for _, subject in args[3] for name in subject.names):
            raise Unprocessable("screening broke for this row")
        return await screen_new_applicants(*args, **kwargs)

    # In the chunk (which then rolls back) and in the row-by-row registration that follows.
    monkeypatch.setattr(applicants_bulk, "screen_new_applicants", screen_failing_for_sidorov)
    monkeypatch.setattr(applicants_service, "screen_new_applicants", screen_failing_for_sidorov)
    sidorov = applicant_body(
        names=[{"script": "latin", "given": "Pavel", "family": "Sidorov"}],
        documents=[{"type": "passport", "issuing_country": "RU", "number": "75 7654321"}],
    )
    lines = [json.dumps(sidorov), json.dumps(applicant_body())]
    job = await upload(eligibility, tokens, "\n".join(lines), "application/x-ndjson")
    done = await wait_for_job(eligibility, tokens, job["id"])
    assert [r["status"] for r in done["rows"]] == ["rejected", "accepted"]
    assert done["rows"][0]["problems"] == ["screening broke for this row"]
    engine = create_async_engine(eligibility.database_url)
    try:
        async with engine.connect() as conn:
            applicants = (await conn.execute(text("SELECT count(*) FROM applicants"))).scalar_one()
            documents = (await conn.execute(text("SELECT count(*) FROM applicant_documents"))).scalar_one()
    finally:
        await engine.dispose()
    assert (applicants, documents) == (1, 1)


async def test_a_job_whose_process_stopped_reads_as_interrupted(eligibility: Harness, tokens: Tokens) -> None:
    job = await upload(eligibility, tokens, "\n".join([HEADER, GOOD]), "text/csv")
    await wait_for_job(eligibility, tokens, job["id"])
    engine = create_async_engine(eligibility.database_url)
    try:
        async with engine.begin() as conn:
            # As a process that died after its first chunk leaves it: running, last progress long ago.
            await conn.execute(
                text(
                    "UPDATE intake_jobs SET status = 'running', finished_at = NULL, "
                    "heartbeat_at = :then, created_at = :then WHERE id = :id"
                ),
                {"then": "2026-01-01 00:00:00+00:00", "id": job["id"]},
            )
    finally:
        await engine.dispose()
    read = (await eligibility.client.get(f"/v1/intake-jobs/{job['id']}", headers=as_officer(tokens))).json()
    assert read["status"] == "interrupted"
    assert read["accepted_rows"] == 1


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the worker catches it or releases the lease."""


async def test_a_job_whose_worker_was_killed_resumes_after_the_last_committed_row(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_service, "CHUNK", 1)
    good = [GOOD.replace("75 1234567", f"75 123456{n}") for n in range(3)]
    job = await upload(eligibility, tokens, "\n".join([HEADER, *good]), "text/csv")
    register_chunk = intake_service.register_chunk
    calls = {"n": 0}

    async def dies_on_the_second_row(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return await register_chunk(*args)

    monkeypatch.setattr(intake_service, "register_chunk", dies_on_the_second_row)
    with pytest.raises(WorkerKilled):
        await run_jobs(eligibility.app)
    half = (await eligibility.client.get(f"/v1/intake-jobs/{job['id']}", headers=as_officer(tokens))).json()
    assert (half["status"], half["processed_rows"]) == ("running", 1)
    # The dead worker's lease lapses; the next worker takes the job over where it stopped.
    async with eligibility.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(eligibility.app.state.tables.jobs).values(leased_until=None))
    # From then on the job reads as interrupted, not running, until a worker takes it over.
    lapsed = (await eligibility.client.get(f"/v1/intake-jobs/{job['id']}", headers=as_officer(tokens))).json()
    assert (lapsed["status"], lapsed["processed_rows"]) == ("interrupted", 1)
    done = await wait_for_job(eligibility, tokens, job["id"])
    assert (done["status"], done["accepted_rows"], done["rejected_rows"]) == ("completed", 3, 0)
    assert [row["row"] for row in done["rows"]] == [1, 2, 3]
    assert await count_applicants(eligibility, tokens) == 3


async def test_the_upload_is_kept_encrypted_and_only_until_the_job_completes(
    eligibility: Harness, tokens: Tokens
) -> None:
    job = await upload(eligibility, tokens, "\n".join([HEADER, GOOD]), "text/csv")
    async with eligibility.app.state.sessionmaker() as session:
        stored = (await session.execute(text("SELECT upload_enc FROM intake_jobs"))).scalar_one()
    assert stored is not None
    assert "Petrov" not in stored
    assert "1234567" not in stored
    await wait_for_job(eligibility, tokens, job["id"])
    async with eligibility.app.state.sessionmaker() as session:
        assert (await session.execute(text("SELECT upload_enc FROM intake_jobs"))).scalar_one() is None


def _varied_body(n: int) -> dict[str, Any]:
    """A row that differs from its neighbours in what it carries; every 20th repeats its neighbour's passport."""
    number = f"75 {(n - 1 if n % 20 == 19 else n):07d}"
    body = applicant_body(documents=[{"type": "passport", "issuing_country": "ru", "number": number}])
    if n % 3 == 0:
        body["birth_date"] = None
    if n % 4 == 0:
        body["rank_or_post"] = "рядовой\tсвязист"
    if n % 5 == 0:
        body["contacts"] = [{"kind": "phone", "value": f"+49 30 {n:06d}"}]
    if n % 7 == 0:
        body["names"] = [{"script": "latin", "family": f"Kuznetsov-{n}"}]
    return body


def _as_registered(read: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in read.items() if k not in {"id", "created_at"}}


async def test_a_large_chunk_registers_each_row_as_a_single_registration_would(
    eligibility: Harness, tokens: Tokens
) -> None:
    # Enough rows for the bulk writes to take their COPY path on PostgreSQL.
    bodies = [_varied_body(n) for n in range(60)]
    job = await upload(eligibility, tokens, "\n".join(json.dumps(b) for b in bodies), "application/x-ndjson")
    with counting_statements(eligibility.app.state.engine) as log:
        await run_jobs(eligibility.app)
    # One COPY per table on PostgreSQL (SQLAlchemy never sees it), one executemany per table on SQLite.
    written = ["applicants", "applicant_documents", "audit_log", "outbox_events", "intake_rows"]
    per_table = Counter(log.kinds())
    assert {t: per_table[f"INSERT {t}"] for t in written} == dict.fromkeys(written, int(backend() == "sqlite"))
    done = await wait_for_job(eligibility, tokens, job["id"])
    assert (done["status"], done["accepted_rows"]) == ("completed", 60)
    officer = as_officer(tokens, "PL")
    for n in (0, 19, 20, 35, 59):
        bulk = await eligibility.client.get(
            f"/v1/applicants/{done['rows'][n]['applicant_id']}", headers=as_officer(tokens)
        )
        assert bulk.status_code == 200, bulk.text
        single = await eligibility.client.post("/v1/applicants", json=bodies[n], headers=officer)
        assert single.status_code == 201, single.text
        # Registered by another partner after the bulk one: same content, and a duplicate of it.
        expected = _as_registered(single.json()) | {"partner_id": "DE"}
        expected["duplicate_status"] = "suspected" if n % 20 == 19 else "none"
        assert _as_registered(bulk.json()) == expected
    ids = [row["applicant_id"] for row in done["rows"]]
    async with eligibility.app.state.sessionmaker() as session:
        audited = (
            await session.execute(
                text("SELECT resource_id FROM audit_log WHERE action = 'applicant.registered' AND actor_org = 'DE'")
            )
        ).scalars()
        announced = (
            await session.execute(
                text("SELECT payload FROM outbox_events WHERE type = 'eligibility.applicant.registered'")
            )
        ).scalars()
        payloads = [p if isinstance(p, dict) else json.loads(p) for p in announced]
    assert sorted(audited) == sorted(ids)
    assert sorted(p["data"]["resource_id"] for p in payloads if p["partner_id"] == "DE") == sorted(ids)
