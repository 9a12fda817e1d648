"""Consent on the wire: terms, changes (by a partner or with a token), takedowns caused, records and coverage."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from shared.schemas.testimony.vocabulary import (
    AttributionName,
    ConsentEventName,
    ConsentMethodName,
    PurposeName,
    SubjectRef,
    TakedownReasonName,
    _Strict,
)


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
