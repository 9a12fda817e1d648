"""Review on the wire: redacted derivatives, reviews, and the consenting person's approval or refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.schemas.testimony.vocabulary import _Strict


class RedactionSpanIn(_Strict):
    """Characters [start, end) of the original text to hide."""

    start: int = Field(strict=True, ge=0, le=2**31 - 1)
    end: int = Field(strict=True, gt=0, le=2**31 - 1)
    category: str = Field(min_length=1, max_length=40, description="e.g. `family_name`, `place`, `unit`.")
    subject_ref: str | None = Field(default=None, max_length=64, description="Whom the span protects.")


class RedactionTermsIn(_Strict):
    """Words to hide wherever they occur (case-insensitive); used once, never stored."""

    terms: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=40)
    subject_ref: str | None = Field(default=None, max_length=64)


class DerivativeCreate(_Strict):
    """Make a publishable derivative: redactions, the media to include (stripped), and what it shows."""

    title: str = Field(min_length=1, max_length=200, description="Public title; reviewed like the text.")
    spans: list[RedactionSpanIn] = Field(default_factory=list, max_length=1000)
    redact_terms: list[RedactionTermsIn] = Field(default_factory=list, max_length=50)
    media_original_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )
    author_named: bool = False
    attribution: str | None = Field(default=None, max_length=200, description="Name shown when the author is named.")
    faces_obscured: bool = Field(default=True, description="Declared by the redactor, confirmed by the reviewers.")
    voices_obscured: bool = Field(default=True, description="Declared by the redactor, confirmed by the reviewers.")


class RedactionEntryRead(BaseModel):
    """Where a marker replaced text, and why; never the words it hides."""

    original_start: int
    original_end: int
    derivative_start: int
    derivative_end: int
    categories: list[str]
    subject_refs: list[str]


class DerivativeMediaRead(BaseModel):
    """A stripped media file of a derivative."""

    name: str
    media_type: str
    sha256: str
    size: int
    removed_metadata: list[str]


class ReviewRead(BaseModel):
    """A reviewer's approval of an exact derivative."""

    reviewer: str
    content_sha256: str
    created_at: datetime


class DerivativeRead(BaseModel):
    """A derivative as reviewers see it (the read is audited)."""

    id: str
    testimony_id: str
    title: str
    text: str
    attribution: str | None
    author_named: bool
    faces_obscured: bool
    voices_obscured: bool
    redaction: list[RedactionEntryRead]
    redacted_subjects: list[str]
    media: list[DerivativeMediaRead]
    content_sha256: str = Field(description="Hash of every part; reviews and approvals name it.")
    reviews: list[ReviewRead]
    approved_by_subjects: list[str]
    refused_by_subjects: list[str] = Field(
        default_factory=list, description="People who refused this exact content: make another version for them."
    )
    created_at: datetime


class ReviewCreate(_Strict):
    """Approve the derivative whose content hash is given (a stale hash is refused)."""

    content_sha256: str = Field(min_length=64, max_length=64)


class SubjectDerivativesQuery(_Strict):
    """Ask, with a consent token, for the derivatives awaiting that person's approval."""

    token: str = Field(min_length=10, max_length=200)


class SubjectApprovalCreate(_Strict):
    """A consenting person approves one exact derivative with their consent token."""

    token: str = Field(min_length=10, max_length=200)
    derivative_id: str = Field(min_length=1, max_length=64)
    content_sha256: str = Field(min_length=64, max_length=64)


class SubjectRefusalCreate(SubjectApprovalCreate):
    """A consenting person refuses one exact derivative with their token (a published one cannot be refused)."""


class SubjectDerivativeRead(BaseModel):
    """A derivative as the consenting person sees it before approving."""

    derivative_id: str
    title: str
    text: str
    attribution: str | None
    media_names: list[str]
    content_sha256: str
    approved: bool
    refused: bool = Field(default=False, description="The person refused this exact content.")
    published: bool = Field(default=False, description="This version is published now.")
