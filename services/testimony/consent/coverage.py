"""Answers whether the consents in force cover one use of one derivative at one moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.testimony.consent.chain import (
    ChainedConsentEvent,
    ConsentVersion,
    current_state,
)
from services.testimony.consent.domain import Attribution, Purpose, require_aware


class UseRefusal(StrEnum):
    """Why a consent does not cover a use."""

    NO_CONSENT = "no_consent"
    WITHDRAWN = "withdrawn"
    PURPOSE_NOT_GRANTED = "purpose_not_granted"
    IDENTIFICATION_NOT_ALLOWED = "identification_not_allowed"
    FACE_NOT_OBSCURED = "face_not_obscured"
    VOICE_NOT_OBSCURED = "voice_not_obscured"
    EMBARGOED = "embargoed"
    EXPIRED = "expired"
    APPROVAL_MISSING = "approval_missing"


@dataclass(frozen=True)
class SubjectUse:
    """How one person appears in a derivative put to one purpose."""

    purpose: Purpose
    identified: bool
    face_obscured: bool
    voice_obscured: bool
    approved: bool


@dataclass(frozen=True)
class SubjectDecision:
    """The answer for one person: refusals (none means covered), the version read, and until when."""

    subject_ref: str
    refusals: tuple[UseRefusal, ...]
    consent_version: ConsentVersion | None
    covered_until: datetime | None

    @property
    def covered(self) -> bool:
        """True when nothing refuses the use."""
        return not self.refusals


@dataclass(frozen=True)
class SubjectConsent:
    """A person's consent history for one testimony (empty when they never consented)."""

    subject_ref: str
    record_id: str
    chain: Sequence[ChainedConsentEvent]


@dataclass(frozen=True)
class DerivativeFacts:
    """What a derivative shows, as established by redaction and review."""

    author_named: bool
    faces_obscured: bool
    voices_obscured: bool
    redacted_subjects: frozenset[str]
    approved_by: frozenset[str]


@dataclass(frozen=True)
class PublicationDecision:
    """The answer for a whole derivative: one decision per person whose consent it needs."""

    purpose: Purpose
    decided_at: datetime
    subjects: tuple[SubjectDecision, ...]

    @property
    def allowed(self) -> bool:
        """True when every required consent covers the use."""
        return all(subject.covered for subject in self.subjects)

    @property
    def covered_until(self) -> datetime | None:
        """The earliest moment some required consent expires, if any does."""
        ends = [s.covered_until for s in self.subjects if s.covered_until is not None]
        return min(ends) if ends else None


def decide_subject_use(subject: SubjectConsent, use: SubjectUse, at: datetime) -> SubjectDecision:
    """Decide whether one person's current consent covers `use` at moment `at`."""
    require_aware(at, "at")
    state = current_state(subject.record_id, subject.chain)
    if state.terms is None:
        refusal = UseRefusal.WITHDRAWN if state.withdrawn_at is not None else UseRefusal.NO_CONSENT
        return SubjectDecision(subject.subject_ref, (refusal,), state.version, None)
    conditions = state.terms.grants.get(use.purpose)
    if conditions is None:
        return SubjectDecision(subject.subject_ref, (UseRefusal.PURPOSE_NOT_GRANTED,), state.version, None)
    refusals: list[UseRefusal] = []
    if use.identified and conditions.attribution is Attribution.ANONYMOUS:
        refusals.append(UseRefusal.IDENTIFICATION_NOT_ALLOWED)
    if conditions.face_obscured and not use.face_obscured:
        refusals.append(UseRefusal.FACE_NOT_OBSCURED)
    if conditions.voice_obscured and not use.voice_obscured:
        refusals.append(UseRefusal.VOICE_NOT_OBSCURED)
    if conditions.embargo_until is not None and at < conditions.embargo_until:
        refusals.append(UseRefusal.EMBARGOED)
    if conditions.expires_at is not None and at >= conditions.expires_at:
        refusals.append(UseRefusal.EXPIRED)
    if conditions.approval_required and not use.approved:
        refusals.append(UseRefusal.APPROVAL_MISSING)
    return SubjectDecision(subject.subject_ref, tuple(refusals), state.version, conditions.expires_at)


def decide_publication(
    purpose: Purpose,
    author: SubjectConsent,
    family_members: Sequence[SubjectConsent],
    facts: DerivativeFacts,
    at: datetime,
) -> PublicationDecision:
    """Decide whether a derivative may be used for `purpose` at `at`, counting every identified family member.

    A family member named in the testimony needs their own consent to be identifiable, unless the derivative
    was redacted so that they are not; a redacted member's consent is not consulted at all.
    """
    decisions = [
        decide_subject_use(
            author,
            SubjectUse(
                purpose=purpose,
                identified=facts.author_named,
                face_obscured=facts.faces_obscured,
                voice_obscured=facts.voices_obscured,
                approved=author.subject_ref in facts.approved_by,
            ),
            at,
        )
    ]
    for member in family_members:
        if member.subject_ref in facts.redacted_subjects:
            continue
        use = SubjectUse(
            purpose=purpose,
            identified=True,
            face_obscured=facts.faces_obscured,
            voice_obscured=facts.voices_obscured,
            approved=member.subject_ref in facts.approved_by,
        )
        decisions.append(decide_subject_use(member, use, at))
    return PublicationDecision(purpose=purpose, decided_at=at, subjects=tuple(decisions))
