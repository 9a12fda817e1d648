"""`carrots eligibility` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Eligibility operations: bulk intake, sanctions list imports.", no_args_is_help=True)
