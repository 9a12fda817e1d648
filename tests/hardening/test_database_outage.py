"""A database that cannot be reached answers 503 with Retry-After, never 500."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from services.eligibility.app import create_app
from services.eligibility.config import EligibilitySettings
from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Tokens, serve, settings_for


async def test_a_database_outage_answers_503_and_says_to_retry(tmp_path: Path, var_dir: Path, tokens: Tokens) -> None:
    unreachable = (
        "postgresql+psycopg://carrots@127.0.0.1:9/nowhere?connect_timeout=2",
        f"sqlite+aiosqlite:///{tmp_path}/missing-folder/eligibility.db",
    )
    for url in unreachable:
        settings = settings_for("eligibility", url, var_dir)
        assert isinstance(settings, EligibilitySettings)
        app = create_app(settings)
        async with serve(app) as client:
            read = await client.get("/v1/applicants", headers=as_officer(tokens))
            write = await client.post("/v1/applicants", json=applicant_body(), headers=as_officer(tokens))
        for response in (read, write):
            assert response.status_code == 503, (url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) >= 1
            assert response.json()["type"].endswith("/database-unavailable")
    # A failed SQLite connect leaves its driver thread behind: let it end while this test's loop still runs.
    gc.collect()
    await asyncio.sleep(0.2)
