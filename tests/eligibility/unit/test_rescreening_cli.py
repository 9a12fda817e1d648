"""The sanctions import command follows the re-screening job until it stops."""

from __future__ import annotations

import io

import httpx
from rich.console import Console

from carrots.commands.eligibility import follow_rescreening


def _follow(statuses: list[str]) -> tuple[dict[str, object], list[str], str]:
    polls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        polls.append(request.url.path)
        status = statuses[min(len(polls), len(statuses)) - 1]
        processed = 3 if status == "completed" else len(polls)
        return httpx.Response(200, json={"id": "job-1", "status": status, "total": 3, "processed": processed})

    shown = io.StringIO()
    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://eligibility.test") as client:
        job = follow_rescreening(client, "job-1", "t0ken", poll_seconds=0, console=Console(file=shown, width=100))
    return job, polls, shown.getvalue()


def test_the_import_command_follows_re_screening_until_it_completes() -> None:
    job, polls, shown = _follow(["queued", "running", "completed"])
    assert job["status"] == "completed"
    assert polls == ["/v1/sanctions-screening-jobs/job-1"] * 3
    assert "3/3" in shown


def test_the_import_command_stops_following_an_interrupted_job() -> None:
    job, polls, _ = _follow(["running", "interrupted"])
    assert job["status"] == "interrupted"
    assert len(polls) == 2
