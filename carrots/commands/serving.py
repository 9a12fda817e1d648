"""`carrots serve` and `carrots worker`: one service's API, or the background work of one or all services.

The web stack and the services are imported inside the commands, so that `carrots --help` stays fast.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from carrots.registry import SERVICES, ServiceEntry

if TYPE_CHECKING:
    from shared.config import ServiceSettings


def entries(service: str | None) -> list[ServiceEntry]:
    if service is None:
        return list(SERVICES.values())
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    return [SERVICES[service]]


def service_settings(entry: ServiceEntry, var_dir: Path | None) -> ServiceSettings:
    """A service's settings from its environment; production takes nothing from the command line."""
    from shared.config import Environment

    settings = entry.settings() if var_dir is None else entry.settings(var_dir=var_dir)
    if var_dir is not None and settings.environment is Environment.production:
        raise typer.BadParameter("production reads its settings from the environment only", param_hint="--var-dir")
    return settings


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

    entry = entries(service)[0]
    settings = service_settings(entry, None)
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


def worker(
    service: Annotated[str, typer.Argument(help="A service, or `all` to run every service's worker in one process.")],
) -> None:
    """Run a service's background work: event delivery, queued jobs and schedules (reads its <P>_* settings).

    Run as many replicas as you like: they share the work through leases in the service's database.
    """
    import anyio

    names = list(SERVICES) if service == "all" else [e.name for e in entries(service)]
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
