"""`carrots asylum` commands."""

from __future__ import annotations

import statistics
import time
from typing import Annotated

import typer

app = typer.Typer(help="Asylum case operations.", no_args_is_help=True)


@app.command("check-reference")
def check_reference(
    text: Annotated[str, typer.Argument(help="A case reference as read out or typed, e.g. '7kq2 m9xd 4pza rt02'.")],
) -> None:
    """Check a case reference taken over the phone and print it in its printed form, or say what is wrong."""
    from services.asylum.cases.errors import MalformedCaseReference
    from services.asylum.cases.references import format_case_reference, parse_case_reference

    try:
        reference = parse_case_reference(text)
    except MalformedCaseReference as exc:
        typer.echo(f"not a valid reference: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(format_case_reference(reference))


@app.command("time-hashing")
def time_hashing(
    time_cost: Annotated[int | None, typer.Option(help="Argon2id passes [default: production's]")] = None,
    memory_kib: Annotated[int | None, typer.Option(help="Argon2id memory in KiB [default: production's]")] = None,
    parallelism: Annotated[int | None, typer.Option(help="Argon2id lanes [default: production's]")] = None,
    rounds: Annotated[int, typer.Option(min=1, help="Lookups to time.")] = 20,
) -> None:
    """Time the Argon2 work of one status lookup with these parameters, to tune the ASYLUM_SECRET_HASH_* settings."""
    from argon2 import Parameters
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from services.asylum.cases.credentials import PRODUCTION_PARAMETERS, SecretHasher, StoredSecrets

    time_cost = time_cost or PRODUCTION_PARAMETERS.time_cost
    memory_kib = memory_kib or PRODUCTION_PARAMETERS.memory_cost
    parallelism = parallelism or PRODUCTION_PARAMETERS.parallelism
    parameters = Parameters(
        type=PRODUCTION_PARAMETERS.type,
        version=PRODUCTION_PARAMETERS.version,
        salt_len=PRODUCTION_PARAMETERS.salt_len,
        hash_len=PRODUCTION_PARAMETERS.hash_len,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=parallelism,
    )
    hasher = SecretHasher(parameters)
    stored = StoredSecrets(hasher.hash_secret("ABCD-EFGH-JKMN"))
    timings: list[float] = []
    columns = (TextColumn("lookups"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("lookups", total=rounds)
        for _ in range(rounds):
            started = time.perf_counter()
            hasher.check_lookup(stored, "WXYZ-WXYZ-WXYZ")
            timings.append((time.perf_counter() - started) * 1000)
            progress.advance(task)
    typer.echo(
        f"one lookup (two Argon2id verifications, t={time_cost}, m={memory_kib} KiB, p={parallelism}): "
        f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms"
    )
