"""`carrots events` commands: dead deliveries of each service's outbox, and sending them again.

They read each service's own database with its usual <PREFIX>_* settings, as `carrots keys` does; the same is
available over each service's operator API (`/v1/operator/event-deliveries`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from shared.plumbing import PlumbingTables

app = typer.Typer(
    help=(
        "Event deliveries that gave up after their last retry (about three days): list them and send them again. "
        "Each service reads its usual <PREFIX>_* settings."
    ),
    no_args_is_help=True,
)

VarDir = Annotated[Path, typer.Option(help="Folder of development keys and SQLite files.")]


class Receiver(StrEnum):
    service = "service"
    webhook = "webhook"


def _names(service: str | None) -> list[str]:
    from carrots.registry import SERVICES

    if service is None:
        return list(SERVICES)
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    return [service]


@app.command("dead")
def dead(
    service: Annotated[str | None, typer.Option("--service", help="One service (default: every service).")] = None,
    receiver: Annotated[
        Receiver | None,
        typer.Option(help="Only deliveries to peer services (`service`) or partners' webhooks (`webhook`)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many per service, oldest first.")] = 50,
    var_dir: VarDir = Path("var"),
) -> None:
    """List dead deliveries, oldest first: service, delivery id, event type, receiver, attempts, when, last error."""
    asyncio.run(_dead(_names(service), receiver, limit, var_dir))


async def _dead(names: list[str], receiver: Receiver | None, limit: int, var_dir: Path) -> None:
    from shared.deliveries import service as deliveries
    from shared.pagination import PageParams
    from shared.schemas.webhooks import DeliveryStatus

    total = 0
    for name in names:
        async with _session(name, var_dir) as (session, tables):
            page = await deliveries.list_deliveries(
                session,
                tables,
                PageParams(limit=limit, after=None),
                webhooks=None if receiver is None else receiver is Receiver.webhook,
                status=DeliveryStatus.dead,
            )
        for item in page.items:
            dead_at = item.dead_at.isoformat() if item.dead_at else "-"
            typer.echo(
                f"{name}\t{item.id}\t{item.event_type}\t{item.subscriber}\t{item.attempts} attempts\t"
                f"dead {dead_at}\t{item.last_error or ''}"
            )
        total += len(page.items)
        if page.next_cursor:
            typer.echo(f"{name}: more than {limit}; raise --limit or use the operator API to page", err=True)
    typer.echo(f"{total} dead deliver{'y' if total == 1 else 'ies'}", err=True)


@app.command("redeliver")
def redeliver(
    service: Annotated[str, typer.Argument(help="The service whose outbox holds the delivery.")],
    delivery_ids: Annotated[list[int], typer.Argument(help="Delivery ids, as `carrots events dead` lists them.")],
    operator: Annotated[str, typer.Option(help="Who asks for it, as the audit log records it.")],
    var_dir: VarDir = Path("var"),
) -> None:
    """Send dead deliveries again on a fresh retry schedule (the running dispatcher picks them up); audited."""
    asyncio.run(_redeliver(_names(service)[0], delivery_ids, operator, var_dir))


async def _redeliver(name: str, delivery_ids: list[int], operator: str, var_dir: Path) -> None:
    from shared.auth import CallerKind, Principal
    from shared.deliveries import service as deliveries
    from shared.errors import ProblemError

    actor = Principal(org="operators", kind=CallerKind.operator, subject=operator)
    failed = False
    for delivery_id in delivery_ids:
        async with _session(name, var_dir) as (session, tables):
            try:
                again = await deliveries.redeliver(session, tables, actor, delivery_id, partner_id=None)
            except ProblemError as exc:
                await session.rollback()
                typer.echo(f"{name} {delivery_id}: {exc.detail}", err=True)
                failed = True
                continue
            await session.commit()
        typer.echo(f"{name} {delivery_id}: {again.event_type} to {again.subscriber} is pending again")
    if failed:
        raise typer.Exit(1)


@asynccontextmanager
async def _session(name: str, var_dir: Path) -> AsyncIterator[tuple[AsyncSession, PlumbingTables]]:
    """A session on one service's database, with its shared tables."""
    import importlib

    from carrots.registry import SERVICES
    from shared.db import make_engine, make_sessionmaker
    from shared.devkeys import with_dev_defaults

    settings = with_dev_defaults(SERVICES[name].settings(var_dir=var_dir))
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            yield session, importlib.import_module(f"services.{name}.models").tables
    finally:
        await engine.dispose()
