"""`carrots token issue`: development bearer tokens signed with the running system's key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carrots.state import find_running_var_dir
from shared.tokens import CallerKind

app = typer.Typer(help="Development tokens for trying the API.", no_args_is_help=True)


@app.command("issue")
def token_issue(
    org: Annotated[
        str,
        typer.Option(help="Organisation (partner code such as DE, or an NGO or auditor id)."),
    ],
    kind: Annotated[CallerKind, typer.Option(help="Kind of caller.")] = CallerKind.partner,
    scope: Annotated[list[str] | None, typer.Option(help="A scope to grant; repeat for several.")] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="Who acts (an officer id); defaults to the organisation."),
    ] = None,
    mandate: Annotated[
        list[str] | None,
        typer.Option(help="Partner an auditor is mandated for; repeat."),
    ] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
    var_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the development keys [default: the running `carrots up`'s, else ./var]"),
    ] = None,
) -> None:
    """Print a development bearer token signed with the running system's key (refused by production services)."""
    from shared.devkeys import dev_signing_key_path, ensure_dev_signing_key
    from shared.tokens import issue_token

    if kind in (CallerKind.service, CallerKind.public):
        raise typer.BadParameter(
            "services sign their own tokens with their own keys; the identity provider issues partner, ngo, "
            "auditor and operator tokens only",
            param_hint="--kind",
        )
    folder = var_dir or find_running_var_dir() or Path("var")
    if not dev_signing_key_path(folder).exists():
        # A new key here would sign tokens that no running service accepts: say so instead.
        where = "the folder given" if var_dir else "no running `carrots up` was found, and ./var"
        typer.echo(
            f"carrots: no development signing key in {folder} ({where} holds none); start the system with "
            "`carrots up`, or pass the --var-dir it was started with",
            err=True,
        )
        raise typer.Exit(1)
    key = ensure_dev_signing_key(folder)
    typer.echo(
        issue_token(
            key,
            org=org,
            kind=kind,
            scopes=scope or [],
            subject=subject,
            ttl_seconds=ttl,
            mandates=mandate or [],
        )
    )
