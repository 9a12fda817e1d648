"""The `carrots` command line: run, migrate and try the services.

Each command lives in a module of `carrots.commands`, imported only when that command runs (or when `--help`
lists every command), so that `carrots token issue` or `carrots ledger verify` loads its own module and none
of the others. Within a command module, imports of the web stack, the ORM and the services happen inside the
commands that need them.
"""

from __future__ import annotations

import importlib
import sys
from difflib import get_close_matches
from typing import Any

import typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from carrots.errors import explain_failure

# Every command, in the order `--help` lists them: its module and the attribute that holds it there, a Typer
# app (a group of commands) or a function (one command).
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("carrots.commands.demo", "demo"),
    "migrate": ("carrots.commands.migrations", "migrate"),
    "serve": ("carrots.commands.serving", "serve"),
    "worker": ("carrots.commands.serving", "worker"),
    "revision": ("carrots.commands.migrations", "revision"),
    "up": ("carrots.commands.up", "up"),
    "token": ("carrots.commands.token", "app"),
    "eligibility": ("carrots.commands.eligibility", "app"),
    "ledger": ("carrots.commands.payments", "app"),
    "partners": ("carrots.commands.partners", "app"),
    "asylum": ("carrots.commands.asylum", "app"),
    "testimony": ("carrots.commands.testimony", "app"),
    "keys": ("carrots.commands.keys", "app"),
    "events": ("carrots.commands.events", "app"),
}


class LazyCommands(TyperGroup):
    """The top-level group: knows every command's name, imports a command's module when it is looked up."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(module_name), attribute)
        command: Any
        if isinstance(target, typer.Typer):
            command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        # Typer suggests a near name from the commands it holds, and this group holds names only.
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            if self.suggest_commands and args and (near := get_close_matches(args[0], list(COMMANDS))):
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(repr(n) for n in near)}?"
            raise


def _no_options() -> None:
    # The top level has no options of its own; a callback makes Typer build a group for the lazy commands.
    return None


app = typer.Typer(
    cls=LazyCommands,
    callback=_no_options,
    help="Run and operate the carrots services.",
    no_args_is_help=True,
    add_completion=False,
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
