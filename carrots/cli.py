"""The `carrots` command line: run, migrate and try the services.

Imports of the web stack, the ORM and the services happen inside the commands that need them, so that
`carrots --help` and `carrots token issue` start in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from carrots.commands import asylum as asylum_commands
from carrots.commands import demo as demo_commands
from carrots.commands import eligibility as eligibility_commands
from carrots.commands import events as events_commands
from carrots.commands import keys as keys_commands
from carrots.commands import partners as partners_commands
from carrots.commands import payments as payments_commands
from carrots.commands import testimony as testimony_commands
from carrots.errors import explain_failure
from carrots.registry import EVENT_ROUTES, REGISTRY, SERVICES, ServiceEntry
from carrots.state import find_running_var_dir, forget_running_system, remember_running_system
from shared.tokens import CallerKind

if TYPE_CHECKING:
    from shared.config import ServiceSettings

app = typer.Typer(
    help="Run and operate the carrots services.",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Development tokens for trying the API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(eligibility_commands.app, name="eligibility")
app.add_typer(payments_commands.app, name="ledger")
app.add_typer(partners_commands.app, name="partners")
app.add_typer(asylum_commands.app, name="asylum")
app.add_typer(testimony_commands.app, name="testimony")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(events_commands.app, name="events")
app.command("demo")(demo_commands.demo)

# How long `carrots up` waits for every service to answer (a loaded two-core machine needs over a minute).
START_SECONDS = 180
VarDir = Annotated[
    Path,
    typer.Option(help="Folder for SQLite files, local storage and development keys."),
]


def _entries(service: str | None) -> list[ServiceEntry]:
    if service is None:
        return list(SERVICES.values())
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    return [SERVICES[service]]


@app.command()
def migrate(
    service: Annotated[str | None, typer.Argument(help="One service, or all when omitted.")] = None,
    var_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for SQLite files and development keys (development only; default `var`)."),
    ] = None,
) -> None:
    """Apply every Alembic migration of one or all services to their configured databases."""
    from shared.config import Environment
    from shared.devkeys import with_dev_defaults
    from shared.migrations import upgrade_to_head

    for entry in _entries(service):
        settings = _settings(entry, var_dir)
        if settings.environment is not Environment.production:
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            settings = with_dev_defaults(settings)
        upgrade_to_head(entry.migrations_dir, settings.database_url)
        typer.echo(f"{entry.name}: migrated to head")


def _settings(entry: ServiceEntry, var_dir: Path | None) -> ServiceSettings:
    """A service's settings from its environment; production takes nothing from the command line."""
    from shared.config import Environment

    settings = entry.settings() if var_dir is None else entry.settings(var_dir=var_dir)
    if var_dir is not None and settings.environment is Environment.production:
        raise typer.BadParameter("production reads its settings from the environment only", param_hint="--var-dir")
    return settings


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="The service to run.")],
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 in a container).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the API, the pages and the probes.")] = 8000,
    internal_port: Annotated[
        int | None,
        typer.Option(help="Port that alone serves event deliveries and metrics (both stay off the public port)."),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Addresses or CIDRs (comma-separated) whose X-Forwarded-For is believed: the ingress only. "
            "Default: $FORWARDED_ALLOW_IPS, else 127.0.0.1."
        ),
    ] = None,
) -> None:
    """Serve one service with uvicorn in this process, its settings read from the environment (<P>_*)."""
    import importlib

    import uvicorn

    entry = _entries(service)[0]
    settings = _settings(entry, None)
    if internal_port is not None:
        if internal_port == port:
            raise typer.BadParameter("must differ from --port", param_hint="--internal-port")
        settings = settings.model_copy(update={"internal_port": internal_port})
    module_name, _, factory = entry.app_factory.partition(":")
    service_app = getattr(importlib.import_module(module_name), factory)(settings)
    config = uvicorn.Config(
        service_app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,  # each service logs every request once itself
        log_config=None,  # records go through the service's JSON logging
        server_header=False,
        timeout_graceful_shutdown=20,
    )
    sockets = [config.bind_socket()]
    if internal_port is not None:
        sockets.append(_listen(host, internal_port))
    uvicorn.Server(config).run(sockets=sockets)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


@app.command()
def worker(
    service: Annotated[str, typer.Argument(help="A service, or `all` to run every service's worker in one process.")],
) -> None:
    """Run a service's background work: event delivery, queued jobs and schedules (reads its <P>_* settings).

    Run as many replicas as you like: they share the work through leases in the service's database.
    """
    import anyio

    names = list(SERVICES) if service == "all" else [e.name for e in _entries(service)]
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(_run_workers, names)


async def _run_workers(names: list[str]) -> None:
    import signal as signals

    import anyio

    from shared.observability import configure_logging
    from shared.worker import work

    configure_logging(service="workers" if len(names) > 1 else names[0])
    apps = [_create_app(SERVICES[name]) for name in names]
    async with anyio.create_task_group() as tg:
        for service_app in apps:
            tg.start_soon(work, service_app)
        with anyio.open_signal_receiver(signals.SIGTERM, signals.SIGINT) as received:
            async for _ in received:
                # Jobs in hand are handed back (their leases released) as the workers are cancelled.
                tg.cancel_scope.cancel()
                break


def _create_app(entry: ServiceEntry) -> Any:
    import importlib

    module_name, _, factory = entry.app_factory.partition(":")
    return getattr(importlib.import_module(module_name), factory)()


@app.command()
def revision(
    service: Annotated[str, typer.Argument(help="Service whose models changed.")],
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
) -> None:
    """Generate a migration from the difference between a service's models and its history (development)."""
    from alembic import command

    from shared.migrations import alembic_config, upgrade_to_head

    entry = _entries(service)[0]
    scratch = Path("var") / f"revision-{entry.name}.db"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    scratch.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{scratch}"
    upgrade_to_head(entry.migrations_dir, url)
    numbers = [int(p.name[:4]) for p in (entry.migrations_dir / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    script = command.revision(
        alembic_config(entry.migrations_dir, url), message=message, autogenerate=True, rev_id=rev_id
    )
    scratch.unlink(missing_ok=True)
    for item in script if isinstance(script, list) else [script]:
        if item is not None:
            _tidy_revision(Path(item.path))


def _tidy_revision(path: Path) -> None:
    # Autogenerate renders JSONB's text type unqualified and adds banner comments; fix both.
    text = path.read_text()
    text = text.replace("astext_type=Text()", "astext_type=sa.Text()")
    text = text.replace("    # ### commands auto generated by Alembic - please adjust! ###\n", "")
    text = text.replace("    # ### end Alembic commands ###\n", "")
    path.write_text(text)
    typer.echo(f"wrote {path}; review it before committing")


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


@app.command()
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


@token_app.command("issue")
def token_issue(
    org: Annotated[
        str,
        typer.Option(help="Organisation (partner code such as DE, or an NGO or auditor id)."),
    ],
    kind: Annotated[CallerKind, typer.Option(help="Kind of caller.")] = CallerKind.partner,
    scope: Annotated[list[str] | None, typer.Option(help="A scope to grant; repeat for several.")] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="Who acts (an officer id); defaults to the organisation."),
    ] = None,
    mandate: Annotated[
        list[str] | None,
        typer.Option(help="Partner an auditor is mandated for; repeat."),
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
    var_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the development keys [default: the running `carrots up`'s, else ./var]"),
    ] = None,
) -> None:
    """Print a development bearer token signed with the running system's key (refused by production services)."""
    from shared.devkeys import dev_signing_key_path, ensure_dev_signing_key
    from shared.tokens import issue_token

    if kind in (CallerKind.service, CallerKind.public):
        raise typer.BadParameter(
            "services sign their own tokens with their own keys; the identity provider issues partner, ngo, "
            "auditor and operator tokens only",
            param_hint="--kind",
        )
    folder = var_dir or find_running_var_dir() or Path("var")
    if not dev_signing_key_path(folder).exists():
        # A new key here would sign tokens that no running service accepts: say so instead.
        where = "the folder given" if var_dir else "no running `carrots up` was found, and ./var"
        typer.echo(
            f"carrots: no development signing key in {folder} ({where} holds none); start the system with "
            "`carrots up`, or pass the --var-dir it was started with",
            err=True,
        )
        raise typer.Exit(1)
    key = ensure_dev_signing_key(folder)
    typer.echo(
        issue_token(
            key,
            org=org,
            kind=kind,
            scopes=scope or [],
            subject=subject,
            ttl_seconds=ttl,
            mandates=mandate or [],
        )
    )


def main() -> None:
    """Entry point of the `carrots` command: a failure outside the program is one line and exit status 1."""
    try:
        app()
    except Exception as error:
        line = explain_failure(error)
        if line is None:
            raise
        typer.echo(f"carrots: {line}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
