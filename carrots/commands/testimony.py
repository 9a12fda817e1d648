"""`carrots testimony` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Testimony operations: offline verification of published items.", no_args_is_help=True)
