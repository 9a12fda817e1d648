"""Testimonies on the wire as they are submitted: by a partner, or by the applicant with a submission token."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas.testimony.vocabulary import SubjectRef, _Strict


class TestimonyCreate(_Strict):
    """A testimony submitted by a partner's officer."""

    applicant_id: str = Field(min_length=1, max_length=36, description="Pseudonymous applicant id.")
    language: str = Field(min_length=2, max_length=8, description="BCP 47 language tag, e.g. `ru`.")
    text: str = Field(min_length=1, max_length=200_000, description="The testimony; stored sealed, never served.")
    family_member_refs: list[SubjectRef] = Field(
        default_factory=list,
        max_length=50,
        description="Pseudonymous references of family members the testimony identifies.",
    )


class OriginalRead(BaseModel):
    """What is known of a sealed original: its kind, type, size and intake hash, never its content."""

    id: str
    kind: Literal["text", "media"]
    media_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the original, computed at intake.")
    created_at: datetime


class TestimonyRead(BaseModel):
    """A testimony as its partner sees it: metadata and hashes only."""

    id: str
    partner_id: str
    applicant_id: str
    language: str
    submitted_via: Literal["officer", "applicant"]
    family_member_refs: list[str]
    originals: list[OriginalRead]
    created_at: datetime


class SubmissionTokenCreate(_Strict):
    """Ask for a token that lets an applicant submit a testimony themselves, or open one already taken in."""

    applicant_id: str = Field(min_length=1, max_length=36, description="Pseudonymous applicant id.")
    testimony_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="A testimony of this applicant already taken in by an officer: the token then submits nothing "
        "and only lets its author give, narrow or withdraw consent and approve derivatives himself.",
    )


class SubmissionTokenIssued(BaseModel):
    """A one-time submission token; shown once, stored only as a hash."""

    token: str
    expires_at: datetime


class ApplicantSubmission(_Strict):
    """A testimony submitted by the applicant with a submission token, without an account."""

    token: str = Field(min_length=10, max_length=200, description="The submission token the officer handed over.")
    language: str = Field(min_length=2, max_length=8)
    text: str = Field(min_length=1, max_length=200_000)
    family_member_refs: list[SubjectRef] = Field(default_factory=list, max_length=50)


class ApplicantSubmissionRead(BaseModel):
    """Acknowledges an applicant's submission with the hash of what was received."""

    testimony_id: str
    text_sha256: str
    received_at: datetime
