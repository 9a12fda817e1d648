"""`carrots ledger` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Ledger operations: verification of exports, stipend runs.", no_args_is_help=True)
