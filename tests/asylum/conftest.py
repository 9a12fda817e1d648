"""Asylum fixtures: the app with cheap Argon2 settings, and plain factory functions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import AppStarter
from tests.harness import Harness, serve

# Argon2 at its cheapest: the tests pin the rules, not the cost (which production settings set).
CHEAP_HASHING: dict[str, Any] = {
    "secret_hash_time_cost": 1,
    "secret_hash_memory_kib": 8,
    "secret_hash_parallelism": 1,
}


async def start_asylum(starter: AppStarter, **overrides: Any) -> AsyncIterator[Harness]:
    """Run an asylum app on a clean database with these settings."""
    app, settings = starter.create("asylum", **{**CHEAP_HASHING, **overrides})
    async with serve(app) as client:
        yield Harness("asylum", app, client, settings, settings.database_url)


@pytest.fixture
async def cases_api(starter: AppStarter) -> AsyncIterator[Harness]:
    async for harness in start_asylum(starter):
        yield harness
