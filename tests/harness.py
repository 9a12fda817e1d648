"""Test harness: migrated databases per service, apps in process, development tokens."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy import MetaData, select

from carrots.organisations import DEV_ORGANISATIONS
from carrots.registry import SERVICES, ServiceEntry
from shared.auth import CallerKind, issue_token
from shared.config import ServiceSettings
from shared.devkeys import DEV_SERVICE_KID, ensure_service_key
from shared.migrations import upgrade_to_head
from shared.registry import OrganisationDirectory
from shared.schemas.registry import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationStatus,
    RegistrySnapshot,
)
from shared.servicekeys import PeerKeys, ServiceIdentity, load_signing_keys
from shared.webhooks import sign_event
from shared.worker import Worker

PG_ADMIN_URL = os.environ.get("CARROTS_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def backend() -> str:
    """Which database the suite runs on: `sqlite` (default) or `postgresql`."""
    value = os.environ.get("CARROTS_TEST_DB", "sqlite")
    if value not in {"sqlite", "postgresql"}:
        raise RuntimeError("CARROTS_TEST_DB must be sqlite or postgresql")
    return value


def _pg_url(database: str, *, driver: str = "postgresql+psycopg") -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", f"{driver}://", 1)
    return f"{base}/{database}"


def recreate_pg_database(name: str) -> None:
    """Drop and create a PostgreSQL database (test databases only)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class MigratedDatabases:
    """One migrated database per service; each test gets a clean copy."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.kind = backend()
        self._templates: dict[str, str] = {}
        self._counter = 0

    def template(self, entry: ServiceEntry) -> str:
        if entry.name not in self._templates:
            if self.kind == "sqlite":
                path = self.workdir / f"template-{entry.name}.db"
                url = f"sqlite+aiosqlite:///{path}"
            else:
                name = f"carrots_test_{entry.name}_{os.getpid()}"
                recreate_pg_database(name)
                url = _pg_url(name)
            upgrade_to_head(entry.migrations_dir, url)
            self._templates[entry.name] = url
        return self._templates[entry.name]

    def fresh(self, entry: ServiceEntry) -> str:
        """A clean, migrated database URL for one test."""
        template = self.template(entry)
        if self.kind == "sqlite":
            self._counter += 1
            source = Path(template.removeprefix("sqlite+aiosqlite:///"))
            target = self.workdir / f"{entry.name}-{self._counter}.db"
            shutil.copyfile(source, target)
            return f"sqlite+aiosqlite:///{target}"
        return template

    def clean(self, entry: ServiceEntry, metadata: MetaData) -> None:
        """Empty every table of a PostgreSQL test database (SQLite copies are simply dropped)."""
        if self.kind != "postgresql" or entry.name not in self._templates:
            return
        url = self._templates[entry.name].replace("postgresql+psycopg://", "postgresql://")
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    def drop_all(self) -> None:
        if self.kind != "postgresql":
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for url in self._templates.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


class Tokens:
    """Mints development tokens for tests."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def mint(
        self,
        org: str,
        kind: CallerKind,
        *scopes: str,
        subject: str | None = None,
        ttl: int = 600,
        mandates: tuple[str, ...] = (),
        now: float | None = None,
    ) -> str:
        return issue_token(
            self.key, org=org, kind=kind, scopes=scopes, subject=subject, ttl_seconds=ttl, mandates=mandates, now=now
        )

    def headers(self, org: str, kind: CallerKind, *scopes: str, subject: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(org, kind, *scopes, subject=subject)}"}

    def partner(self, org: str, *scopes: str, subject: str | None = None) -> dict[str, str]:
        return self.headers(org, CallerKind.partner, *scopes, subject=subject)


@dataclass
class Harness:
    """A running service app and a client talking to it in process."""

    name: str
    app: FastAPI
    client: httpx.AsyncClient
    settings: ServiceSettings
    database_url: str


# Organisations some tests name beside the development ones.
TEST_ORGANISATIONS: tuple[OrganisationCreate, ...] = (
    *DEV_ORGANISATIONS,
    *(
        OrganisationCreate(code=code, kind=OrganisationKind.partner, name=code, currencies=["EUR"])
        for code in ("LT", "EE", "SE")
    ),
    *(
        OrganisationCreate(code=code, kind=OrganisationKind.ngo, name=code)
        for code in ("NGO-B", "NGO-X", "NGO-Z", "NGO1")
    ),
    OrganisationCreate(code="AUD1", kind=OrganisationKind.auditor, name="AUD1", mandates=["DE"]),
)


def registry_snapshot(
    organisations: Sequence[OrganisationCreate] = TEST_ORGANISATIONS,
    *,
    suspended: Collection[str] = (),
    version: int = 1,
) -> RegistrySnapshot:
    """A registry snapshot listing these organisations (those named in `suspended` suspended), as services cache it."""
    now = datetime.now(UTC)
    return RegistrySnapshot(
        version=version,
        organisations=[
            OrganisationRead(
                code=o.code,
                kind=o.kind,
                name=o.name,
                status=OrganisationStatus.suspended if o.code in suspended else OrganisationStatus.active,
                issuer=o.issuer,
                jwks_url=None if o.jwks_url is None else str(o.jwks_url),
                currencies=o.currencies,
                mandates=o.mandates,
                revision=1,
                created_at=now,
                updated_at=now,
            )
            for o in organisations
        ],
    )


@asynccontextmanager
async def serve(app: FastAPI, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and yield an in-process client for it.

    Unless the test gave the app a registry of its own (`app.state.registry_preset`), it knows the test
    organisations from a fixed snapshot, without a registry service.
    """
    if getattr(app.state, "registry_preset", None) is None:
        app.state.registry_preset = OrganisationDirectory.fixed(registry_snapshot())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def producer(var_dir: Path, service: str) -> ServiceIdentity:
    """The development identity of a peer service, to sign events as that service would."""
    key = ensure_service_key(var_dir, service)
    return ServiceIdentity(service, load_signing_keys([f"{DEV_SERVICE_KID}:{key}"]), PeerKeys())


def signed_headers(var_dir: Path, source: str, body: bytes, event_id: str) -> dict[str, str]:
    """Headers of an event delivery signed by the development key of `source`."""
    return sign_event(producer(var_dir, source), body, event_id=event_id)


def settings_for(name: str, database_url: str, var_dir: Path, **overrides: Any) -> ServiceSettings:
    """Test settings of a service: its database, shared development keys, no background dispatcher."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "var_dir": var_dir,
        "outbox_enabled": False,
        **overrides,
    }
    return SERVICES[name].settings(**values)


def routing_client(apps: Mapping[str, FastAPI]) -> httpx.AsyncClient:
    """An httpx client that sends `http://<service>.test/...` to the in-process app of that name."""
    transports = {f"http://{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items()}
    return httpx.AsyncClient(mounts=transports)


async def run_jobs(app: FastAPI) -> int:
    """Run every due job of a service as its worker would, until none is left; returns how many ran."""
    return await Worker(app, worker_id="tests").run_due_jobs()


async def queued_jobs(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """The kind and payload of every job of a service waiting for its worker, oldest first."""
    jobs = app.state.tables.jobs
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(jobs.c.kind, jobs.c.payload).where(jobs.c.status == "queued").order_by(jobs.c.created_at)
        )
        return [(row.kind, dict(row.payload)) for row in rows]
