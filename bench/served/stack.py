"""What the HTTP benchmark starts: its own PostgreSQL databases and real uvicorn processes."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from carrots.commands.partners import development_operator_token, register_organisations
from carrots.registry import REGISTRY, SERVICES
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys
from shared.schemas.registry import OrganisationCreate, OrganisationKind

ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU a process and its reaped children have used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # After the command name: state is field 3, utime, stime, cutime, cstime fields 14-17 (1-based, as in proc(5)).
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """The live processes below `pid` (a service's screening processes, say), from /proc/<pid>/task/*/children."""
    found: list[int] = []
    stack = [pid]
    while stack:
        for children in Path(f"/proc/{stack.pop()}/task").glob("*/children"):
            try:
                pids = [int(child) for child in children.read_text().split()]
            except OSError:
                continue
            found += pids
            stack += pids
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU used so far by a process and every process below it, live or reaped (a reaped child's time moves
    into its parent's cutime/cstime, so the sum does not drop when a child ends)."""
    total = cpu_seconds(pid)
    for child in descendants(pid):
        try:
            total += cpu_seconds(child)
        except OSError:
            continue
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Databases:
    """Uniquely named PostgreSQL databases of one run, dropped when it ends."""

    admin_url: str
    prefix: str = field(default_factory=lambda: f"carrots_bench_{os.getpid()}_{secrets.token_hex(3)}")
    created: list[str] = field(default_factory=list)

    def create(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


# The organisations the benchmark's tokens name (bench/served/run.py): a partner, the partner whose ledger is
# exported, an NGO with a mandate for the first and an auditor with a mandate for the second.
BENCH_ORGANISATIONS = (
    OrganisationCreate(code="DE", kind=OrganisationKind.partner, name="Bench partner", currencies=["EUR", "USD"]),
    OrganisationCreate(code="AU", kind=OrganisationKind.partner, name="Bench audited partner", currencies=["EUR"]),
    OrganisationCreate(code="NGO-BENCH", kind=OrganisationKind.ngo, name="Bench NGO", mandates=["DE"]),
    OrganisationCreate(code="AUDIT-FIRM", kind=OrganisationKind.auditor, name="Bench auditor", mandates=["AU"]),
)


@dataclass
class Server:
    """One uvicorn process serving one app on its own port."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    database_url: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        """CPU of the server and the processes it started (screening processes included)."""
        return tree_cpu_seconds(self.process.pid)


@dataclass(frozen=True)
class Variant:
    """Which code (a checkout of the project) and which extra uvicorn options a set of servers runs."""

    root: Path = ROOT
    uvicorn_args: tuple[str, ...] = tuple(os.environ.get("CARROTS_BENCH_UVICORN_ARGS", "").split())


def _uvicorn(
    factory: str, port: int, env: dict[str, str], log: Path, variant: Variant = Variant()
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        # Extra uvicorn options to compare settings, e.g. `--loop asyncio --http h11`.
        *variant.uvicorn_args,
    ]
    # `python -m` puts the working directory first on the path: the variant's checkout is the code that runs.
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=variant.root)


def _wait_ready(server: Server, path: str, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited during start-up; see {log}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not ready after 180 s; see {log}")


def _migrate(urls: dict[str, str]) -> None:
    """Migrate every service's database at once, each in its own process."""
    code = "import sys; from shared.migrations import upgrade_to_head; upgrade_to_head(sys.argv[1], sys.argv[2])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, str(SERVICES[name].migrations_dir), url], cwd=ROOT)
        for name, url in urls.items()
    ]
    if any(p.wait() != 0 for p in processes):
        raise RuntimeError("a migration failed")


def start_registry(port: int, database_url: str, var_dir: Path, logs: Path) -> Server:
    """Start the registry of organisations and register the organisations the benchmark's tokens name."""
    entry = SERVICES[REGISTRY]
    env = {
        **os.environ,
        entry.env_prefix + "DATABASE_URL": database_url,
        entry.env_prefix + "VAR_DIR": str(var_dir),
        entry.env_prefix + "PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = logs / f"{REGISTRY}.log"
    server = Server(REGISTRY, port, _uvicorn(entry.app_factory, port, env, log), database_url)
    _wait_ready(server, "/readyz", log)
    token = development_operator_token(var_dir, subject="operator:bench")
    with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        register_organisations(client, BENCH_ORGANISATIONS)
    return server


@contextmanager
def running(
    names: list[str],
    databases: Databases,
    var_dir: Path,
    ceiling_url: str,
    variants: dict[str, Variant] | None = None,
) -> Iterator[dict[str, Server]]:
    """Migrate each named service on its own database, start it and the ceiling app; stop them all after.

    With `variants`, each service runs once per variant on the same database, named `<service>@<variant>`.
    """
    variants = variants or {"": Variant()}
    ensure_dev_signing_key(var_dir)
    ensure_service_keys(var_dir, SERVICES)
    logs = var_dir / "logs"
    logs.mkdir(exist_ok=True)
    keys = [f"{name}@{label}" if label else name for label in variants for name in names]
    ports = {key: free_port() for key in [*keys, "ceiling", REGISTRY]}
    servers: dict[str, Server] = {}
    try:
        urls = {name: databases.create(name) for name in [*names, REGISTRY]}
        _migrate(urls)
        # Every service asks the registry whether the organisation a token names exists: it starts first.
        servers[REGISTRY] = start_registry(ports[REGISTRY], urls[REGISTRY], var_dir, logs)
        registry_url = servers[REGISTRY].url
        for label, variant in variants.items():
            for name in names:
                key = f"{name}@{label}" if label else name
                entry = SERVICES[name]
                url = urls[name]
                env = dict(os.environ)
                env.update(
                    {
                        entry.env_prefix + "DATABASE_URL": url,
                        entry.env_prefix + "VAR_DIR": str(var_dir),
                        entry.env_prefix + "PUBLIC_URL": f"http://127.0.0.1:{ports[key]}",
                        entry.env_prefix + "SUBSCRIBERS": json.dumps([]),
                        entry.env_prefix + "REGISTRY_URL": registry_url,
                    }
                )
                process = _uvicorn(entry.app_factory, ports[key], env, logs / f"{key}.log", variant)
                servers[key] = Server(key, ports[key], process, url)
                # Background work (events, intake, re-screening) runs in the service's worker process.
                with (logs / f"{key}-worker.log").open("ab") as out:
                    worker = subprocess.Popen(
                        [sys.executable, "-m", "carrots.cli", "worker", name],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        cwd=variant.root,
                    )
                servers[f"{key}-worker"] = Server(f"{key}-worker", 0, worker, url)
        env = {**os.environ, "CEILING_DATABASE_URL": ceiling_url}
        log = logs / "ceiling.log"
        process = _uvicorn("bench.served.ceiling:create_app", ports["ceiling"], env, log)
        servers["ceiling"] = Server("ceiling", ports["ceiling"], process, ceiling_url)
        for name, server in servers.items():
            if not name.endswith("-worker") and name != REGISTRY:
                _wait_ready(server, "/healthz" if name == "ceiling" else "/readyz", logs / f"{name}.log")
        if failed := [name for name, server in servers.items() if server.process.poll() is not None]:
            raise RuntimeError(f"stopped during start-up: {', '.join(failed)}; see the logs in {logs}")
        yield servers
    finally:
        for server in servers.values():
            if server.process.poll() is None:
                server.process.terminate()
        for server in servers.values():
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
