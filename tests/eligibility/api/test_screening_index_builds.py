"""The screening index is built once per list version, off the event loop, and before a new app's first request."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.eligibility.app import create_app
from services.eligibility.config import EligibilitySettings
from services.eligibility.screening.lists import service as sanctions_service
from services.eligibility.screening.lists.service import ScreeningState, refresh_screening_state
from tests.eligibility.api.helpers import UNRELATED_PERSON, load_list
from tests.harness import Harness, Tokens, serve


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    build = sanctions_service.build_index_from_stored

    def counting(*args: Any) -> Any:
        builds.append(1)
        return build(*args)

    monkeypatch.setattr(sanctions_service, "build_index_from_stored", counting)
    return builds


async def test_requests_that_find_a_new_list_at_once_build_its_index_once(
    eligibility: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    builds = count_builds(monkeypatch)
    state = ScreeningState()

    async def refresh() -> None:
        async with eligibility.app.state.sessionmaker() as session:
            await refresh_screening_state(session, state)

    await asyncio.gather(*(refresh() for _ in range(5)))
    assert len(builds) == 1
    assert state.index is not None


async def test_a_new_replica_indexes_the_stored_lists_before_its_first_request(
    eligibility: Harness, tokens: Tokens
) -> None:
    await load_list(eligibility, tokens, UNRELATED_PERSON)
    replica = create_app(EligibilitySettings.model_validate(eligibility.settings.model_dump()))
    async with serve(replica):
        assert replica.state.screening.index is not None
        assert replica.state.screening.loaded_ids
