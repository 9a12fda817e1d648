"""What the fault suite runs: services as real uvicorn and worker processes, on databases of their own.

A process can be started armed with a fault (`shared.faults`), waited for until the fault ends it, and started
again on the same database. The registry of organisations is a small stub serving the test organisations'
snapshot, so no registry process or database is needed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg

from carrots.registry import SERVICES
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys
from shared.faults import FAULT_ENV, FAULT_EXIT_STATUS
from shared.migrations import upgrade_to_head
from tests.harness import PG_ADMIN_URL, backend, registry_snapshot
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def registry_stub() -> Iterator[str]:
    """A registry answering `GET /v1/snapshot` with the test organisations; yields its base URL."""
    body = registry_snapshot().model_dump_json().encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/v1/snapshot" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Database:
    """A migrated database of one service for one test: a SQLite file, or a uniquely named PostgreSQL database."""

    service: str
    url: str
    admin_url: str | None = None  # PostgreSQL: where to drop it from

    @property
    def sync_url(self) -> str:
        """The URL for a synchronous SQLAlchemy engine."""
        return self.url.replace("sqlite+aiosqlite://", "sqlite://")

    def drop(self) -> None:
        if self.admin_url is None:
            return
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.url.rsplit("/", 1)[1]}" WITH (FORCE)')


def migrated_database(service: str, tmp_path: Path, admin_url: str | None = None) -> Database:
    """A fresh database for `service` with its migrations applied, on the suite's backend (or `admin_url`'s server)."""
    if admin_url is None and backend() == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'{service}.db'}"
        upgrade_to_head(SERVICES[service].migrations_dir, url)
        return Database(service, url)
    admin = admin_url or PG_ADMIN_URL
    name = f"carrots_faults_{service}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    upgrade_to_head(SERVICES[service].migrations_dir, url)
    return Database(service, url, admin)


def prepare_var_dir(var_dir: Path) -> None:
    """Development keys every process of the test shares: the token key and each service's signing key."""
    ensure_dev_signing_key(var_dir)
    ensure_service_keys(var_dir, SERVICES)


@dataclass
class ServiceProcess:
    """One service's API (a uvicorn process) or worker (`carrots worker`), startable again after a fault."""

    service: str
    database: Database
    var_dir: Path
    registry_url: str
    worker: bool = False
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.var_dir / f"{self.service}{'-worker' if self.worker else ''}.log"

    def env(self, fault: str | None) -> dict[str, str]:
        prefix = SERVICES[self.service].env_prefix
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and k != FAULT_ENV}
        env |= {
            prefix + "DATABASE_URL": self.database.url,
            prefix + "VAR_DIR": str(self.var_dir),
            prefix + "PUBLIC_URL": self.url,
            prefix + "REGISTRY_URL": self.registry_url,
            prefix + "SUBSCRIBERS": json.dumps([]),
        }
        env |= {prefix + name.upper(): value for name, value in self.settings.items()}
        if fault is not None:
            env[FAULT_ENV] = fault
        return env

    def start(self, fault: str | None = None) -> None:
        """Start the process (armed with `fault`, if given); an API is ready when this returns."""
        if self.worker:
            command = [sys.executable, "-m", "carrots.cli", "worker", self.service]
        else:
            command = [sys.executable, "-m", "uvicorn", "--factory", SERVICES[self.service].app_factory]
            command += ["--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env(fault), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
            )
        self.starts += 1
        if not self.worker:
            self._wait_ready()

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.service} exited during start-up:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.service} not ready after 120 s:\n{self.log.read_text()[-3000:]}")

    def wait_for_fault(self, timeout: float = 60) -> None:
        """Wait until an armed fault ended the process; fail if it ended otherwise or not at all."""
        assert self.process is not None
        status = self.process.wait(timeout=timeout)
        assert status == FAULT_EXIT_STATUS, f"exit status {status}:\n{self.log.read_text()[-3000:]}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def stopped_at_exit(*processes: ServiceProcess) -> Iterator[None]:
    """Stop every process when the block ends, whatever happened in it."""
    try:
        yield
    finally:
        for process in processes:
            process.stop()
