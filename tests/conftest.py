"""Fixtures every test tier uses."""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from carrots.registry import SERVICES
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys
from tests.contract import AnswerRecorder, documents_for_check, undocumented_errors
from tests.harness import Harness, MigratedDatabases, Tokens, backend, serve, settings_for

# Properties are checked by their examples, not their speed: a busy machine must not fail them on a deadline.
hypothesis_settings.register_profile("carrots", deadline=None)
hypothesis_settings.load_profile("carrots")


_recorder = AnswerRecorder()


def pytest_configure(config: pytest.Config) -> None:
    _recorder.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when an operation answered an error status its OpenAPI document does not list."""
    _recorder.stop()
    answers = _recorder.answers()
    if not answers:
        return
    if dump := os.environ.get("CARROTS_TEST_ANSWERS_FILE"):
        Path(dump).write_text("".join(f"{s} {m} {r} {code}\n" for s, m, r, code in sorted(answers)))
    with tempfile.TemporaryDirectory() as var_dir:
        missing = undocumented_errors(answers, documents_for_check(Path(var_dir)))
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["Error statuses answered but not documented in OpenAPI:", *missing]
        if reporter is not None:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _skip_postgres_only_on_sqlite(request: pytest.FixtureRequest) -> None:
    # A fixture rather than a skip marker: anyio runs coroutine tests past collection-time skip markers.
    if backend() == "sqlite" and request.node.get_closest_marker("postgres_only"):
        pytest.skip("needs PostgreSQL; run with CARROTS_TEST_DB=postgresql")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `var/` folder shared by the apps of the test session (development keys live here)."""
    path = tmp_path_factory.mktemp("var")
    ensure_dev_signing_key(path)
    ensure_service_keys(path, SERVICES)
    return path


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedDatabases]:
    dbs = MigratedDatabases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def tokens(var_dir: Path) -> Tokens:
    return Tokens(ensure_dev_signing_key(var_dir))


class AppStarter:
    """Starts service apps in process on clean, migrated databases."""

    def __init__(self, databases: MigratedDatabases, var_dir: Path) -> None:
        self.databases = databases
        self.var_dir = var_dir
        self._used: list[str] = []

    def settings(self, name: str, **overrides: Any) -> Any:
        entry = SERVICES[name]
        url = self.databases.fresh(entry)
        self._used.append(name)
        return settings_for(name, url, self.var_dir, **overrides)

    def create(self, name: str, **overrides: Any) -> tuple[Any, Any]:
        settings = self.settings(name, **overrides)
        module = importlib.import_module(f"services.{name}.app")
        return module.create_app(settings), settings

    def clean(self) -> None:
        for name in set(self._used):
            module = importlib.import_module(f"services.{name}.models")
            self.databases.clean(SERVICES[name], module.Base.metadata)


@pytest.fixture
def starter(databases: MigratedDatabases, var_dir: Path) -> Iterator[AppStarter]:
    s = AppStarter(databases, var_dir)
    yield s
    s.clean()


async def _harness(starter: AppStarter, name: str) -> AsyncIterator[Harness]:
    app, settings = starter.create(name)
    async with serve(app) as client:
        yield Harness(name, app, client, settings, settings.database_url)


@pytest.fixture
async def eligibility(starter: AppStarter) -> AsyncIterator[Harness]:
    async for h in _harness(starter, "eligibility"):
        yield h


@pytest.fixture
async def payments(starter: AppStarter) -> AsyncIterator[Harness]:
    async for h in _harness(starter, "payments"):
        yield h


@pytest.fixture
async def asylum(starter: AppStarter) -> AsyncIterator[Harness]:
    async for h in _harness(starter, "asylum"):
        yield h


@pytest.fixture
async def testimony(starter: AppStarter) -> AsyncIterator[Harness]:
    async for h in _harness(starter, "testimony"):
        yield h


@pytest.fixture
async def registry(starter: AppStarter) -> AsyncIterator[Harness]:
    async for h in _harness(starter, "registry"):
        yield h
