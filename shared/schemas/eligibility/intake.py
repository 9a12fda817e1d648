"""Bulk intake on the wire: a job's progress and its per-row report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class IntakeRowReport(BaseModel):
    """What happened to one row of a bulk intake."""

    row: int = Field(description="Row number: 1 is the first data row.")
    status: Literal["accepted", "rejected"]
    applicant_id: str | None = None
    problems: list[str] = Field(default_factory=list, description="Why the row was rejected; never its content.")


class IntakeJobRead(BaseModel):
    """A bulk intake job and its progress as counts; the per-row report is paged at `/v1/intake-jobs/{id}/rows`."""

    id: str
    status: Literal["queued", "running", "completed", "failed", "interrupted"] = Field(
        description="`interrupted`: no worker made progress for five minutes; the rows reported as accepted are "
        "registered, and the job resumes after them once a worker runs. `failed`: it failed on every attempt."
    )
    format: Literal["csv", "jsonl"]
    total_rows: int
    processed_rows: int
    accepted_rows: int
    rejected_rows: int
    created_at: datetime
    finished_at: datetime | None = None
