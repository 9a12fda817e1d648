from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine

from shared.db import sync_url
from tests.harness import PG_ADMIN_URL, Harness, backend, recreate_pg_database, serve, settings_for
from tests.shared.probe import create_probe_app, metadata


@pytest.fixture(scope="session")
def probe_pg_url() -> str:
    name = f"carrots_test_probe_{os.getpid()}"
    recreate_pg_database(name)
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
async def probe(tmp_path: Path, var_dir: Path, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    if backend() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"
        engine = create_engine(sync_url(url))
        metadata.create_all(engine)
        engine.dispose()
    else:
        url = request.getfixturevalue("probe_pg_url")
    settings = settings_for("eligibility", url, var_dir)
    app = create_probe_app(settings)
    try:
        async with serve(app) as client:
            yield Harness("probe", app, client, settings, url)
    finally:
        if backend() == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
