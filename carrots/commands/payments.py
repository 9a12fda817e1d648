"""`carrots ledger` commands."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from shared.config import Subscriber
    from shared.outbox import EventPublisher

app = typer.Typer(help="Ledger operations: verification of exports, stipend runs.", no_args_is_help=True)


@app.command("verify")
def verify(
    export: Annotated[
        Path,
        typer.Argument(
            help="An export from /v1/audit/partners/{id}/export: JSON Lines (format=jsonl) or CSV (format=csv).",
            exists=True,
            dir_okay=False,
        ),
    ],
    public_key: Annotated[
        Path, typer.Option("--public-key", help="PEM file of the checkpoint key (GET /v1/ledger/checkpoint-key).")
    ],
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            exists=True,
            dir_okay=False,
            help="The partner's checkpoints (GET /v1/audit/partners/{id}/checkpoints); anchors a CSV export.",
        ),
    ] = None,
) -> None:
    """Check an export offline: report edited, inserted, removed or truncated records; exit 1 if any."""
    import json

    from services.payments.domain.tamper.verify import (
        ExportFormat,
        checkpoint_rows_of,
        export_format_of,
        verify_ledger_csv,
        verify_ledger_export,
    )

    with export.open(encoding="utf-8", errors="replace") as file:
        first_line = next((line for line in file if line.strip()), "")
    kind = export_format_of(first_line)
    if kind is None:
        typer.echo(
            f"cannot read {export}: this command reads the JSON Lines or CSV ledger export "
            "(GET /v1/audit/partners/{id}/export?format=jsonl or csv), unchanged",
            err=True,
        )
        raise typer.Exit(2)
    try:
        extra = checkpoint_rows_of(json.loads(checkpoints.read_text(encoding="utf-8"))) if checkpoints else []
    except ValueError as error:
        typer.echo(f"cannot read {checkpoints}: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"reading a {kind.value} export")
    if kind is ExportFormat.csv:
        report = verify_ledger_csv(export, public_key.read_bytes(), extra)
    else:
        report = verify_ledger_export(export, public_key.read_bytes(), extra)
    typer.echo(report.to_text())
    if not report.ok:
        raise typer.Exit(1)


@app.command("release-due")
def release_due(
    as_of: Annotated[
        str | None, typer.Option(help="Release what is due on or before this date (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Release every partner's stipend months and delayed tranches that are due (uses PAYMENTS_* settings)."""
    day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    released = asyncio.run(_release_due(day))
    typer.echo(f"released {released} obligation(s) due by {day.isoformat()}")


@app.command("checkpoint")
def checkpoint() -> None:
    """Sign the head of every partner's ledger chain that moved since its last checkpoint."""
    signed = asyncio.run(_sign_heads())
    typer.echo(f"signed {signed} checkpoint(s)")


def _publisher(subscribers: list[Subscriber]) -> EventPublisher:
    # The command line announces its changes to the same subscribers as the running service.
    from services.payments.models import tables
    from shared.outbox import EventPublisher

    return EventPublisher(tables, subscribers, "payments")


async def _release_due(day: date) -> int:
    from services.payments.config import PaymentsSettings
    from services.payments.obligations.service import release_due as release
    from shared.auth import CallerKind, Principal
    from shared.db import make_engine, make_sessionmaker, session_scope
    from shared.devkeys import with_dev_defaults
    from shared.tenancy import ALL_TENANTS, scope_to_tenant

    settings = with_dev_defaults(PaymentsSettings())
    engine = make_engine(settings.database_url)
    actor = Principal(org="payments", kind=CallerKind.service, subject="cli:release-due")
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            scope_to_tenant(session, ALL_TENANTS)
            return len(await release(session, actor, day, _publisher(settings.subscribers)))
    finally:
        await engine.dispose()


async def _sign_heads() -> int:
    from services.payments.config import PaymentsSettings
    from services.payments.ledger.chain import load_checkpoint_signer
    from services.payments.ledger.checkpoints import sign_all_chain_heads
    from shared.db import make_engine, make_sessionmaker, session_scope
    from shared.devkeys import with_dev_defaults
    from shared.tenancy import ALL_TENANTS, scope_to_tenant

    settings = with_dev_defaults(PaymentsSettings())
    engine = make_engine(settings.database_url)
    try:
        async with session_scope(make_sessionmaker(engine)) as session:
            scope_to_tenant(session, ALL_TENANTS)
            signer = load_checkpoint_signer(settings)
            return len(await sign_all_chain_heads(session, signer, _publisher(settings.subscribers)))
    finally:
        await engine.dispose()
