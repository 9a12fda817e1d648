"""The bulk intake command: uploads, follows the job, reports rejected rows."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from rich.console import Console

from carrots.commands.eligibility import upload_intake


def test_the_intake_command_follows_the_job_until_it_finishes(tmp_path: Path) -> None:
    source = tmp_path / "people.jsonl"
    source.write_text('{"category": "conscript"}\n{"category": "diplomat"}\n')
    polls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        job = {"id": "job-1", "status": "queued", "total_rows": 2, "processed_rows": 0, "rows": []}
        if request.method == "POST":
            assert request.headers["content-type"] == "application/x-ndjson"
            assert request.headers["authorization"] == "Bearer t0ken"
            return httpx.Response(202, json=job)
        polls.append(request.url.path)
        done = len(polls) >= 2
        job.update(status="completed" if done else "running", processed_rows=2 if done else 1)
        return httpx.Response(200, json=job)

    shown = io.StringIO()
    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://eligibility.test") as client:
        job = upload_intake(client, source, "t0ken", poll_seconds=0, console=Console(file=shown, width=100))
    assert job["status"] == "completed"
    assert polls == ["/v1/intake-jobs/job-1", "/v1/intake-jobs/job-1"]
    assert "2/2" in shown.getvalue()
