"""`carrots demo`: start the whole system on a throw-away folder and walk the programme over HTTP.

Every call goes to the real services, started as processes by `carrots up`, with development tokens; each
outcome is checked, and the first one that is not what it should be ends the demo with a non-zero status.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer

from carrots.demo.harness import DemoFailure


def run(folder: Path) -> None:
    """Start the system on `folder` and walk the programme; raises DemoFailure on the first wrong outcome."""
    import httpx

    from carrots.demo.deserter import deserter_journey, duplicate_elsewhere
    from carrots.demo.harness import Demo, Tokens
    from carrots.demo.others import other_people, senior_official_journey, share_with_ngo
    from carrots.demo.partner import audit, prepare_partner, subscribe_webhooks, webhooks_received
    from carrots.demo.system import WebhookReceiver, running_system, serving
    from carrots.demo.testimony import testimony

    typer.echo("Starting the services and their workers on SQLite in a temporary folder...")
    started = time.monotonic()
    with running_system(folder) as urls:
        typer.echo(f"All services are up ({time.monotonic() - started:.0f} s).")
        clients = {name: httpx.Client(base_url=url, timeout=30) for name, url in urls.items()}
        receiver = WebhookReceiver()
        try:
            with serving(receiver) as receiver_url:
                demo = Demo(clients, Tokens(folder / "var"), receiver)
                subscribe_webhooks(demo, receiver_url)
                prepare_partner(demo)
                deserter_journey(demo)
                duplicate_elsewhere(demo)
                senior_official_journey(demo)
                other_people(demo)
                share_with_ngo(demo)
                testimony(demo)
                audit(demo, folder)
                webhooks_received(demo)
        finally:
            for client in clients.values():
                client.close()
    typer.echo(f"\nThe demo finished: every outcome was as expected ({time.monotonic() - started:.0f} s).")


def demo(
    keep: bool = typer.Option(False, help="Keep the temporary folder (databases, keys) for a look afterwards."),
) -> None:
    """Start every service on a temporary folder and walk the programme for a few people, checking each outcome."""
    folder = Path(tempfile.mkdtemp(prefix="carrots-demo-"))
    try:
        run(folder)
    except DemoFailure as failure:
        typer.echo(f"\nDEMO FAILED: {failure}", err=True)
        raise typer.Exit(1) from failure
    finally:
        if keep:
            typer.echo(f"The demo's folder: {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
