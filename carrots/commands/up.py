"""`carrots up`: the whole system on one machine, on SQLite, local storage and development keys.

The registry starts first and gets the development organisations; the other services and one process of
workers follow. Each service's settings come from its environment, filled in here with the peers' URLs.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from carrots.commands import partners as partners_commands
from carrots.registry import EVENT_ROUTES, REGISTRY, SERVICES, ServiceEntry
from carrots.state import forget_running_system, remember_running_system

# How long `carrots up` waits for every service to answer (a loaded two-core machine needs over a minute).
START_SECONDS = 180
VarDir = Annotated[
    Path,
    typer.Option(help="Folder for SQLite files, local storage and development keys."),
]


def _service_env(entry: ServiceEntry, var_dir: Path, host: str, ports: dict[str, int]) -> dict[str, str]:
    env = dict(os.environ)
    prefix = entry.env_prefix
    env[prefix + "VAR_DIR"] = str(var_dir)
    env[prefix + "PUBLIC_URL"] = f"http://{host}:{ports[entry.name]}"
    subscribers = [
        {
            "name": target,
            "url": f"http://{host}:{ports[target]}/v1/events",
            "event_types": types,
        }
        for target, types in EVENT_ROUTES[entry.name]
    ]
    env[prefix + "SUBSCRIBERS"] = json.dumps(subscribers)
    for peer, port in ports.items():
        env[f"{prefix}{peer.upper()}_URL"] = f"http://{host}:{port}"
    return env


def up(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    eligibility_port: Annotated[int, typer.Option(help="Port of the eligibility service.")] = 8001,
    payments_port: Annotated[int, typer.Option(help="Port of the payments service.")] = 8002,
    asylum_port: Annotated[int, typer.Option(help="Port of the asylum service.")] = 8003,
    testimony_port: Annotated[int, typer.Option(help="Port of the testimony service.")] = 8004,
    registry_port: Annotated[int, typer.Option(help="Port of the registry of organisations.")] = 8005,
    var_dir: VarDir = Path("var"),
    synthetic_list: Annotated[
        bool,
        typer.Option(help="Load the shipped synthetic (made-up) sanctions list when no list was ever loaded."),
    ] = True,
) -> None:
    """Migrate and start every service and their workers on SQLite, local storage and development keys.

    The registry starts first and gets the development organisations (partners DE, PL and FR, an NGO and an
    auditor) if it lacks them; the other services then load its snapshot. Ctrl-C stops them.
    """
    import httpx

    from carrots.organisations import DEV_ORGANISATIONS
    from shared.devkeys import ensure_dev_signing_key, ensure_service_keys, with_dev_defaults
    from shared.migrations import upgrade_to_head

    ports = {
        "eligibility": eligibility_port,
        "payments": payments_port,
        "asylum": asylum_port,
        "testimony": testimony_port,
        REGISTRY: registry_port,
    }
    var_dir = var_dir.resolve()
    ensure_dev_signing_key(var_dir)
    # Every service's own event-signing key exists before any starts, so each one trusts all its peers.
    ensure_service_keys(var_dir, SERVICES)
    for entry in SERVICES.values():
        settings = with_dev_defaults(entry.settings(var_dir=var_dir))
        upgrade_to_head(entry.migrations_dir, settings.database_url)
    if synthetic_list and asyncio.run(_load_synthetic_list(var_dir)):
        typer.echo("eligibility: loaded the synthetic sanctions list (made-up entries, for trying the system only)")
    # Ctrl-C and a plain `kill` both stop every service, also when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(entry: ServiceEntry) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            entry.app_factory,
            "--host",
            host,
            "--port",
            str(ports[entry.name]),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        processes[entry.name] = subprocess.Popen(command, env=_service_env(entry, var_dir, host, ports))

    try:
        start(SERVICES[REGISTRY])
        _wait_healthy(host, {REGISTRY: registry_port}, processes)
        token = partners_commands.development_operator_token(var_dir, subject="operator:carrots-up")
        with httpx.Client(
            base_url=f"http://{host}:{registry_port}", timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            added = partners_commands.register_organisations(client, DEV_ORGANISATIONS)
        if added:
            typer.echo(f"registry: registered the development organisations {', '.join(added)}")
        for entry in SERVICES.values():
            if entry.name != REGISTRY:
                start(entry)
        _wait_healthy(host, ports, processes)
        # One process runs the workers (event delivery, jobs, schedules), each with its service's settings;
        # started once the services answer, so that the first deliveries find them up.
        worker_env: dict[str, str] = {}
        for entry in SERVICES.values():
            worker_env.update(_service_env(entry, var_dir, host, ports))
        command = [sys.executable, "-m", "carrots.cli", "worker", "all"]
        processes["workers"] = subprocess.Popen(command, env=worker_env)
        remember_running_system(var_dir, {name: f"http://{host}:{port}" for name, port in ports.items()})
        for name, port in ports.items():
            typer.echo(f"{name:<12} http://{host}:{port}   OpenAPI: http://{host}:{port}/docs")
        typer.echo("workers      event delivery, jobs and schedules of every service")
        typer.echo("All services are up. Try: carrots token issue --org DE --kind partner --scope applicants:write")
        typer.echo("Press Ctrl-C to stop them.")
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        failed = [n for n, p in processes.items() if p.poll() is not None]
        typer.echo(f"stopped unexpectedly: {', '.join(failed)}", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("stopping...")
    finally:
        forget_running_system()
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def _load_synthetic_list(var_dir: Path) -> bool:
    from services.eligibility.models import tables
    from services.eligibility.screening.lists.synthetic import load_synthetic_list_unless_any
    from shared.db import make_engine, make_sessionmaker
    from shared.devkeys import with_dev_defaults
    from shared.outbox import EventPublisher

    settings = with_dev_defaults(SERVICES["eligibility"].settings(var_dir=var_dir))
    engine = make_engine(settings.database_url)
    try:
        publisher = EventPublisher(tables, [], "eligibility")
        return await load_synthetic_list_unless_any(make_sessionmaker(engine), publisher) is not None
    finally:
        await engine.dispose()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _wait_healthy(host: str, ports: dict[str, int], processes: dict[str, subprocess.Popen[bytes]]) -> None:
    import httpx

    deadline = time.monotonic() + START_SECONDS
    pending = dict(ports)
    while pending:
        for name, port in list(pending.items()):
            if processes[name].poll() is not None:
                typer.echo(f"{name} exited during start-up", err=True)
                raise typer.Exit(1)
            try:
                if httpx.get(f"http://{host}:{port}/readyz", timeout=1).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            typer.echo(f"not ready after {START_SECONDS} s: {', '.join(pending)}", err=True)
            raise typer.Exit(1)
        if pending:
            time.sleep(0.3)
