"""The bulk intake command: uploads, follows the job, reports rejected rows."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from carrots.cli import app
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


def _finished_job(rejected: int) -> dict[str, object]:
    rows = [{"row": 1, "status": "accepted", "applicant_id": "a1", "problems": []}]
    rows += [
        {"row": 2, "status": "rejected", "applicant_id": None, "problems": ["category: not a category"]}
    ] * rejected
    return {
        "id": "job-1",
        "status": "completed",
        "total_rows": 1 + rejected,
        "processed_rows": 1 + rejected,
        "accepted_rows": 1,
        "rejected_rows": rejected,
        "rows": rows,
    }


def _run_intake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rejected: int) -> Result:
    source = tmp_path / "people.jsonl"
    source.write_text('{"category": "conscript"}\n')
    job = _finished_job(rejected)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/rows"):
            assert request.url.params["status"] == "rejected"
            rejected_rows = [r for r in job["rows"] if r["status"] == "rejected"]  # type: ignore[attr-defined]
            return httpx.Response(200, json={"items": rejected_rows, "next_cursor": None})
        return httpx.Response(202 if request.method == "POST" else 200, json=job)

    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(answer), **kw))
    return CliRunner().invoke(app, ["eligibility", "intake", str(source), "--token", "t0ken"])


def test_the_intake_command_exits_1_when_a_row_was_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run_intake(tmp_path, monkeypatch, rejected=1)
    assert result.exit_code == 1
    assert "row 2: category: not a category" in result.output


def test_the_intake_command_exits_0_when_every_row_was_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run_intake(tmp_path, monkeypatch, rejected=0).exit_code == 0
