"""Testimony wire schemas. No schema here ever carries an original: only hashes and reviewed derivatives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

PurposeName = Literal["public_publication", "press", "partner_governments", "prosecutors"]
AttributionName = Literal["named", "anonymous"]
ConsentMethodName = Literal["electronic_form", "signed_paper_form", "recorded_verbal", "officer_witnessed"]
ConsentEventName = Literal["given", "narrowed", "renewed", "withdrawn"]
TakedownReasonName = Literal["withdrawn", "expired", "narrowed"]
SubjectRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Pseudonymous reference of a person (`author`, or a family member's reference); never a name.",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class PurposeConditionsModel(_Strict):
    """Conditions of one consented purpose."""

    attribution: AttributionName = Field(default="anonymous", description="Whether the person may be identified.")
    face_obscured: bool = True
    voice_obscured: bool = True
    embargo_until: AwareDatetime | None = Field(default=None, description="Nothing is used before this moment.")
    expires_at: AwareDatetime | None = Field(default=None, description="Nothing is used from this moment on.")
    approval_required: bool = Field(default=False, description="The person must approve the exact derivative.")


class ConsentTermsModel(_Strict):
    """Everything a person agrees to: purposes with their conditions, the notice seen, and how they agreed."""

    grants: dict[PurposeName, PurposeConditionsModel] = Field(min_length=1, max_length=20)
    notice_version: str = Field(min_length=1, max_length=64, description="Version of the notice the person saw.")
    method: ConsentMethodName


class ConsentGive(_Strict):
    """Record a consent for one person (the author or an identified family member)."""

    subject_ref: SubjectRef = "author"
    terms: ConsentTermsModel


class ConsentChange(_Strict):
    """New terms for a narrowing or a renewal."""

    terms: ConsentTermsModel


class TokenWithdrawal(_Strict):
    """Withdraw a consent with the token handed out when it was given; no login needed."""

    token: str = Field(min_length=10, max_length=200)


class TokenNarrowing(_Strict):
    """Narrow a consent with its token; the new terms must allow strictly less."""

    token: str = Field(min_length=10, max_length=200)
    terms: ConsentTermsModel


_HOLDER_TOKEN = Field(
    min_length=10,
    max_length=200,
    description="The submission token the testimony was sent with (acts for its author), or a withdrawal token.",
)


class TokenConsentGive(_Strict):
    """The person gives their own consent with their token; `terms.method` must be `electronic_form`."""

    token: str = _HOLDER_TOKEN
    terms: ConsentTermsModel


class MyTestimonyQuery(_Strict):
    """Ask, with a token, for what the holder may see of their testimony."""

    token: str = _HOLDER_TOKEN


class TakedownCauseRead(BaseModel):
    """The consent event that caused a takedown: whose record, what it did, and the version it produced."""

    record_id: str = Field(description="The consent record (pseudonymous id) whose change caused the takedown.")
    event: ConsentEventName = Field(description="What the change did: `withdrawn` or `narrowed`.")
    consent_version: str = Field(description="The consent version the change produced.")


class TakedownRead(BaseModel):
    """A publication taken down, with the signed receipt recording when."""

    publication_id: str
    taken_down_at: datetime
    reason: TakedownReasonName
    receipt: str = Field(description="Takedown receipt: a JWS signed with the programme key.")
    caused_by: TakedownCauseRead | None = Field(
        default=None,
        description="The consent event that caused it, as the receipt's `caused_by` states; null for an expiry.",
    )


class ConsentChangeRead(BaseModel):
    """The outcome of a consent change: the new version, its signed receipt and any takedowns it caused."""

    record_id: str
    subject_ref: str
    event: ConsentEventName
    consent_version: str
    receipt: str = Field(description="Consent receipt: a JWS (EdDSA) signed with the programme key.")
    takedowns: list[TakedownRead] = Field(default_factory=list)


class ConsentGiven(ConsentChangeRead):
    """A consent given: also carries the withdrawal token, shown this once."""

    withdrawal_token: str = Field(description="Lets the person withdraw, narrow or approve without logging in.")


class ConsentEventRead(BaseModel):
    """One link of a consent history."""

    sequence: int
    event: ConsentEventName
    occurred_at: datetime
    consent_version: str
    terms: ConsentTermsModel | None
    receipt: str


class ConsentRecordRead(BaseModel):
    """A consent history and whether its hash chain is intact."""

    id: str
    testimony_id: str
    subject_ref: str
    active: bool
    chain_intact: bool
    events: list[ConsentEventRead]


class SubjectCoverageRead(BaseModel):
    """Whether one person's consent covers the use."""

    subject_ref: str
    covered: bool
    refusals: list[str]
    consent_version: str | None


class CoverageRead(BaseModel):
    """Whether the consents in force cover one purpose of one derivative now."""

    purpose: PurposeName
    allowed: bool
    decided_at: datetime
    covered_until: datetime | None
    subjects: list[SubjectCoverageRead]


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


class PublicationRead(BaseModel):
    """A publication, its public addresses, its signed manifest and, once down, its takedown."""

    id: str
    testimony_id: str
    derivative_id: str
    purpose: PurposeName
    page_url: str
    json_url: str
    manifest_url: str
    manifest: str | None
    content_sha256: str
    consent_versions: list[str]
    published_at: datetime
    covered_until: datetime | None
    taken_down_at: datetime | None
    takedown_reason: TakedownReasonName | None
    takedown_receipt: str | None


class HolderPublicationRead(BaseModel):
    """A publication of the holder's testimony: what the public sees (while live) and which consents it relies on."""

    publication_id: str
    page_url: str
    live: bool
    published_at: datetime
    covered_until: datetime | None
    taken_down_at: datetime | None
    takedown_reason: TakedownReasonName | None
    consent_versions: list[str] = Field(description="Every consent version it was published under.")
    relies_on: str | None = Field(description="The holder's own consent version among them, if any.")
    title: str | None = Field(description="As published; erased at takedown.")
    text: str | None = Field(description="As published; erased at takedown.")
    attribution: str | None


class MyTestimonyRead(BaseModel):
    """What a token holder may see of their testimony: their consent, versions to approve, and what is published."""

    testimony_id: str
    subject_ref: str
    submitted_at: datetime
    consent: ConsentRecordRead | None = Field(description="The holder's own consent history; null if never given.")
    approval_required: bool = Field(description="The consent in force asks the holder to approve each version.")
    derivatives: list[SubjectDerivativeRead] = Field(description="Versions prepared for publication, oldest first.")
    publications: list[HolderPublicationRead] = Field(description="Newest first, live or taken down.")
