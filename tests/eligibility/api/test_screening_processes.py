"""With screening processes, the API's process never parses a list nor screens: same hits, same statuses."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from services.eligibility.app import create_app
from services.eligibility.config import EligibilitySettings
from services.eligibility.screening.lists import service as sanctions_service
from tests.eligibility.api.helpers import UNRELATED_PERSON, as_officer, load_list, register
from tests.eligibility.api.test_rescreening_jobs import LISTED_AS_PETROV, post_list, screening_status_of
from tests.harness import Harness, Tokens, run_jobs, serve


def never_here(*args: Any) -> Any:
    raise AssertionError("the API's process parsed or indexed a list")


async def test_lists_are_read_and_applicants_screened_in_the_screening_processes(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    listed = await register(eligibility, tokens)
    other = await register(
        eligibility, tokens, names=[{"script": "latin", "family": "Smirnova", "given": "Olga"}], documents=[]
    )
    # Spawned processes import the modules afresh: only this process is held to never parsing or indexing.
    monkeypatch.setattr(sanctions_service, "_parse_and_pack", never_here)
    monkeypatch.setattr(sanctions_service, "build_index_from_stored", never_here)
    settings = EligibilitySettings.model_validate({**eligibility.settings.model_dump(), "screening_processes": 1})
    app = create_app(settings)
    async with serve(app) as client:
        replica = Harness("eligibility", app, client, settings, eligibility.database_url)
        state = app.state.screening
        assert state.pool is not None
        assert state.index is None
        assert state.loaded_ids
        # Startup's objects are out of the collector's sight: a full collection no longer stalls requests.
        assert gc.get_freeze_count() > 0
        loaded = await post_list(replica, tokens, LISTED_AS_PETROV)
        assert await run_jobs(app) == 1
        assert await screening_status_of(replica, tokens, listed["id"]) == "hits"
        assert await screening_status_of(replica, tokens, other["id"]) == "clear"
        hits = await client.get(f"/v1/applicants/{listed['id']}/screening-hits", headers=as_officer(tokens))
        assert [(h["status"], h["confident"], h["list_version"]) for h in hits.json()] == [
            ("open", True, loaded["version"])
        ]
        # A registration is screened there too, at once.
        newcomer = await register(replica, tokens)
        assert newcomer["screening_status"] == "hits"
        assert state.index is None
