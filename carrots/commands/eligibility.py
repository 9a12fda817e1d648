"""`carrots eligibility` commands."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import httpx
    from rich.console import Console

app = typer.Typer(help="Eligibility operations: bulk intake, sanctions list imports.", no_args_is_help=True)

_MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


def _fail(response: httpx.Response) -> None:
    detail = response.json().get("detail", response.text) if response.content else response.reason_phrase
    typer.echo(f"error {response.status_code}: {detail}", err=True)
    raise typer.Exit(1)


def upload_intake(
    client: httpx.Client,
    path: Path,
    token: str,
    *,
    poll_seconds: float = 0.5,
    max_poll_seconds: float = 5.0,
    console: Console | None = None,
) -> dict[str, Any]:
    """Upload a bulk intake file, follow the job with a progress bar, and return the finished job.

    The job's progress is a small answer of counts; polling starts every `poll_seconds` and slows down
    to `max_poll_seconds` while the job runs, so that following a long job costs the service next to nothing.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    kind = "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson"} else "csv"
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        "/v1/intake-jobs", content=path.read_bytes(), headers={**headers, "Content-Type": _MEDIA[kind]}
    )
    if response.status_code != 202:
        _fail(response)
    job: dict[str, Any] = response.json()
    columns = (TextColumn("intake"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    wait = poll_seconds
    with Progress(*columns, console=console or Console(stderr=True)) as progress:
        bar = progress.add_task("rows", total=job["total_rows"])
        while job["status"] not in {"completed", "failed"}:
            time.sleep(wait)
            wait = min(max_poll_seconds, wait * 1.5)
            response = client.get(f"/v1/intake-jobs/{job['id']}", headers=headers)
            if response.status_code != 200:
                _fail(response)
            job = response.json()
            progress.update(bar, completed=job["processed_rows"])
    return job


def rejected_rows(client: httpx.Client, job_id: str, token: str) -> Iterator[dict[str, Any]]:
    """The rejected rows of a job, page by page."""
    headers = {"Authorization": f"Bearer {token}"}
    params: dict[str, Any] = {"status": "rejected", "limit": 200}
    while True:
        response = client.get(f"/v1/intake-jobs/{job_id}/rows", params=params, headers=headers)
        if response.status_code != 200:
            _fail(response)
        page = response.json()
        yield from page["items"]
        if not page.get("next_cursor"):
            return
        params["after"] = page["next_cursor"]


@app.command("intake")
def intake(
    path: Annotated[Path, typer.Argument(help="CSV (.csv) or JSON Lines (.jsonl) file of applicants.", exists=True)],
    token: Annotated[str, typer.Option(envvar="CARROTS_TOKEN", help="Partner token with applicants:write and :read.")],
    url: Annotated[str, typer.Option(help="Base URL of the eligibility service.")] = "http://127.0.0.1:8001",
) -> None:
    """Register applicants in bulk, showing a progress bar, then list the rows that were rejected and why.

    Exits 1 when the job failed or rejected any row, so that a script notices.
    """
    import httpx

    with httpx.Client(base_url=url, timeout=60.0) as client:
        job = upload_intake(client, path, token)
        typer.echo(
            f"job {job['id']} {job['status']}: {job['accepted_rows']} accepted, {job['rejected_rows']} rejected "
            f"of {job['total_rows']}"
        )
        if job["rejected_rows"]:
            for row in rejected_rows(client, job["id"], token):
                typer.echo(f"  row {row['row']}: {'; '.join(row['problems'])}")
    if job["status"] == "failed" or job["rejected_rows"]:
        raise typer.Exit(1)


def follow_rescreening(
    client: httpx.Client, job_id: str, token: str, *, poll_seconds: float = 0.5, console: Console | None = None
) -> dict[str, Any]:
    """Follow a re-screening job with a progress bar until it stops; return the last reading."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    headers = {"Authorization": f"Bearer {token}"}
    job: dict[str, Any] = {"status": "queued", "total": 0, "processed": 0}
    columns = (TextColumn("re-screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True)) as progress:
        bar = progress.add_task("applicants", total=None)
        while job["status"] in {"queued", "running"}:
            response = client.get(f"/v1/sanctions-screening-jobs/{job_id}", headers=headers)
            if response.status_code != 200:
                _fail(response)
            job = response.json()
            progress.update(bar, total=job["total"], completed=job["processed"])
            if job["status"] in {"queued", "running"}:
                time.sleep(poll_seconds)
    return job


@app.command("sanctions-import")
def sanctions_import(
    path: Annotated[Path, typer.Argument(help="The list file exactly as published (XML).", exists=True)],
    source: Annotated[str, typer.Option(help="Which list it is: ofac_sdn, eu_fsf or un_sc.")],
    token: Annotated[str, typer.Option(envvar="CARROTS_TOKEN", help="Platform operator token with sanctions:write.")],
    url: Annotated[str, typer.Option(help="Base URL of the eligibility service.")] = "http://127.0.0.1:8001",
) -> None:
    """Load a published sanctions list for every partner, then follow the re-screening of every applicant."""
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    with httpx.Client(base_url=url, timeout=600.0) as client:
        response = client.post(f"/v1/sanctions-lists/{source}", content=path.read_bytes(), headers=headers)
        if response.status_code != 202:
            _fail(response)
        loaded = response.json()
        typer.echo(f"{loaded['source']} issue {loaded['version']}: {loaded['entry_count']} entries")
        job = follow_rescreening(client, loaded["rescreening_job_id"], token)
    typer.echo(f"re-screening job {job['id']} {job['status']}: {job['processed']} of {job['total']} applicants")
    if job["status"] != "completed":
        raise typer.Exit(1)
