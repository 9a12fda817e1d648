"""`carrots testimony` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.testimony.signing.errors import SigningError
from services.testimony.signing.verify import verify_downloaded_files

app = typer.Typer(help="Testimony operations: offline verification of published items.", no_args_is_help=True)


@app.command("verify")
def verify(
    item: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="A downloaded item document (item.json) or a published media file."
        ),
    ],
    key: Annotated[
        Path,
        typer.Option(
            "--key",
            exists=True,
            dir_okay=False,
            help=(
                "The programme's public keys, saved from /.well-known/carrots-testimony-keys.json (every key that "
                "ever signed; the one named by the manifest's kid is used) or -key.pem (the current key only)."
            ),
        ),
    ],
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", exists=True, dir_okay=False, help="The item's manifest.jws; needed for media."),
    ] = None,
) -> None:
    """Check, without any network, that the programme published exactly this item."""
    try:
        report = verify_downloaded_files(item, key, manifest)
    except (SigningError, UnicodeDecodeError) as error:
        typer.echo(f"NOT VERIFIED: {error}", err=True)
        raise typer.Exit(1) from error
    published = report.manifest.published_at.isoformat()
    typer.echo(f"verified: {', '.join(report.verified_parts)} of publication {report.manifest.publication_id}")
    typer.echo(f"published {published} under consent version(s) {', '.join(report.manifest.consent_versions)}")
    typer.echo(f"signed by key {report.key_id}")
