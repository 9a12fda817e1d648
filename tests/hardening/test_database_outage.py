"""A database that cannot be reached answers 503 with Retry-After, never 500."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from shared.db import make_engine, make_sessionmaker
from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Harness, Tokens


async def test_a_database_outage_answers_503_and_says_to_retry(
    eligibility: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    started = eligibility.app.state.sessionmaker
    unreachable = (
        "postgresql+psycopg://carrots@127.0.0.1:9/nowhere?connect_timeout=2",
        f"sqlite+aiosqlite:///{tmp_path}/missing-folder/eligibility.db",
    )
    try:
        for url in unreachable:
            # The service started on its database, which then went away.
            engine = make_engine(url)
            eligibility.app.state.sessionmaker = make_sessionmaker(engine)
            read = await eligibility.client.get("/v1/applicants", headers=as_officer(tokens))
            write = await eligibility.client.post("/v1/applicants", json=applicant_body(), headers=as_officer(tokens))
            await engine.dispose()
            for response in (read, write):
                assert response.status_code == 503, (url, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert int(response.headers["retry-after"]) >= 1
                assert response.json()["type"].endswith("/database-unavailable")
    finally:
        eligibility.app.state.sessionmaker = started
    # A failed SQLite connect leaves its driver thread behind: let it end while this test's loop still runs.
    gc.collect()
    await asyncio.sleep(0.2)
