"""`carrots testimony` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Testimony operations: offline verification of published items and receipts.", no_args_is_help=True
)


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
    from services.testimony.signing.errors import SigningError
    from services.testimony.signing.verify import verify_downloaded_files

    try:
        report = verify_downloaded_files(item, key, manifest)
    except (SigningError, UnicodeDecodeError) as error:
        typer.echo(f"NOT VERIFIED: {error}", err=True)
        raise typer.Exit(1) from error
    published = report.manifest.published_at.isoformat()
    typer.echo(f"verified: {', '.join(report.verified_parts)} of publication {report.manifest.publication_id}")
    typer.echo(f"published {published} under consent version(s) {', '.join(report.manifest.consent_versions)}")
    typer.echo(f"signed by key {report.key_id}")


@app.command("verify-receipt")
def verify_receipt(
    receipt: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="A consent or takedown receipt: the JWS as saved, or the JSON answer that carried it.",
        ),
    ],
    keys: Annotated[
        str,
        typer.Option(
            "--keys",
            help=(
                "The programme's published key set: a saved /.well-known/carrots-testimony-keys.json (or -key.pem), "
                "or its URL."
            ),
        ),
    ],
) -> None:
    """Say in one line whether a consent or takedown receipt was signed by the programme; exit 1 if not."""
    import httpx

    from services.testimony.signing.errors import SigningError
    from services.testimony.signing.verify import verify_receipt as check

    try:
        key_data = _read_keys(keys)
    except (OSError, httpx.HTTPError) as error:
        typer.echo(f"cannot read the key set {keys}: {error}", err=True)
        raise typer.Exit(2) from error
    try:
        report = check(receipt.read_bytes(), key_data)
    except SigningError as error:
        typer.echo(f"invalid: {error}")
        raise typer.Exit(1) from error
    typer.echo(f"valid: {report.summary()}")


def _read_keys(source: str) -> bytes:
    import httpx

    if source.startswith(("https://", "http://")):
        response = httpx.get(source, timeout=10.0, follow_redirects=True)
        response.raise_for_status()
        return response.content
    return Path(source).read_bytes()
