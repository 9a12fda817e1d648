"""Sanctions screening on the wire: lists, re-screening jobs, hits and waivers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate, NonNegativeMinor


class SanctionsListRead(BaseModel):
    """A loaded sanctions list."""

    id: str
    source: Literal["ofac_sdn", "eu_fsf", "un_sc"]
    version: str
    entry_count: int
    loaded_at: datetime
    rescreened_applicants: int = Field(
        default=0, description="Applicants marked for screening again; the re-screening job works through them."
    )
    rescreening_job_id: str | None = Field(
        default=None,
        description="The background job re-screening every applicant: `GET /v1/sanctions-screening-jobs/{id}`.",
    )


class RescreeningJobRead(BaseModel):
    """A background job screening every partner's applicants again after a list was loaded."""

    id: str
    status: Literal["queued", "running", "completed", "interrupted", "failed"] = Field(
        description="`interrupted`: no worker made progress for five minutes; the job resumes with the applicants "
        "still `pending` once a worker runs."
    )
    list_id: str = Field(description="The loaded list that started the job.")
    list_source: str
    list_version: str
    total: int = Field(description="Applicants marked `pending` when the job started.")
    processed: int = Field(description="Applicants screened again so far.")
    created_at: datetime
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None


class ScreeningHitRead(BaseModel):
    """A list entry that may designate an applicant; it blocks approval until cleared or waived."""

    id: str
    applicant_id: str
    list_source: str
    list_version: str
    entry_id: str
    score: float = Field(description="How alike the names (and birth dates) are, 0 to 1.")
    confident: bool
    explanation: str
    status: Literal["open", "cleared", "waived", "lapsed", "excluded"] = Field(
        description="`excluded`: a namesake whose full birth date contradicts the list's, kept for the record; "
        "it never blocks approval."
    )
    reviewed_by: str | None = None


class WaiverCreate(BaseModel):
    """A request to approve despite a screening hit."""

    model_config = ConfigDict(extra="forbid")
    legal_basis: str = Field(min_length=3, max_length=1000, description="The licence or legal provision relied on.")
    cap_minor: NonNegativeMinor = Field(
        description="The most the waiver allows to be granted, minor units: a JSON integer from 0 to 10^15."
    )
    currency: str = Field(min_length=3, max_length=3)
    valid_until: IsoDate = Field(description="Last day the waiver can be relied on.")


class WaiverRead(BaseModel):
    id: str
    hit_id: str
    legal_basis: str | None = Field(
        description="The licence or legal provision relied on; null only for waivers stored before it was encrypted."
    )
    cap_minor: int
    currency: str
    valid_until: date
    status: Literal["pending", "approved"]
    requested_by: str
    approved_by: str | None = None
