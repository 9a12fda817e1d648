"""`carrots asylum` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Asylum case operations.", no_args_is_help=True)
