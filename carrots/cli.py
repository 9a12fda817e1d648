"""The `carrots` command line: run, migrate and try the services.

Each command lives in a module of `carrots.commands`; this one assembles them in the order `--help` lists
them. Imports of the web stack, the ORM and the services happen inside the commands that need them, so that
`carrots --help` and `carrots token issue` start in a fraction of a second.
"""

from __future__ import annotations

import sys

import typer

from carrots.commands import asylum as asylum_commands
from carrots.commands import demo as demo_commands
from carrots.commands import eligibility as eligibility_commands
from carrots.commands import events as events_commands
from carrots.commands import keys as keys_commands
from carrots.commands import migrations as migration_commands
from carrots.commands import partners as partners_commands
from carrots.commands import payments as payments_commands
from carrots.commands import serving as serving_commands
from carrots.commands import testimony as testimony_commands
from carrots.commands import token as token_commands
from carrots.commands import up as up_commands
from carrots.errors import explain_failure

app = typer.Typer(
    help="Run and operate the carrots services.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(token_commands.app, name="token")
app.add_typer(eligibility_commands.app, name="eligibility")
app.add_typer(payments_commands.app, name="ledger")
app.add_typer(partners_commands.app, name="partners")
app.add_typer(asylum_commands.app, name="asylum")
app.add_typer(testimony_commands.app, name="testimony")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(events_commands.app, name="events")
app.command("demo")(demo_commands.demo)
app.command("migrate")(migration_commands.migrate)
app.command("serve")(serving_commands.serve)
app.command("worker")(serving_commands.worker)
app.command("revision")(migration_commands.revision)
app.command("up")(up_commands.up)


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
