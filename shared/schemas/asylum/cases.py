"""Cases on the wire: states, opening, transitions, transfers and history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CaseStateName = Literal[
    "registered",
    "lodged",
    "interview_scheduled",
    "interviewed",
    "granted",
    "refused",
    "appeal_lodged",
    "appeal_granted",
    "appeal_refused",
    "residence_permit",
    "permanent_residence",
    "citizenship_applied",
    "naturalised",
    "withdrawn",
]
TrackName = Literal["asylum", "residence"]
RelationName = Literal["spouse", "partner", "child", "parent", "sibling", "other", "unknown"]
AccessLevel = Literal["status", "full"]
LanguageCode = Literal["en", "ru"]

_REFERENCE = Field(
    min_length=1,
    max_length=64,
    description="Case reference as printed, e.g. `7KQ2-M9XD-4PZA-RT02`; case, spaces and dashes do not matter.",
)
_SECRET = Field(min_length=1, max_length=128, description="The applicant's secret, as given when the case opened.")
_REASON = Field(min_length=1, max_length=500, description="Why; shown in the case history (no personal data).")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseCreate(_Strict):
    """What a partner sends to open a case."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "applicant_id": "0193a4b1-0a1b-7c2d-8e3f-405162738495",
                    "track": "asylum",
                    "family_track": "asylum",
                    "citizenship_path": False,
                }
            ]
        },
    )

    applicant_id: str = Field(min_length=1, max_length=36, description="Pseudonymous applicant id from eligibility.")
    assessment_id: str | None = Field(
        default=None, max_length=36, description="Eligibility assessment that approved the applicant, if known."
    )
    track: TrackName = Field(default="asylum", description="`asylum` (protection) or `residence` (a permit only).")
    family_track: TrackName | None = Field(
        default=None, description="The track dependants follow through this case; `null` if the family is not covered."
    )
    citizenship_path: bool = Field(
        default=False,
        description="Whether the naturalisation steps (`citizenship_applied`, `naturalised`) are open to the case.",
    )


class CaseRead(BaseModel):
    """A case as the owning partner sees it."""

    id: str
    reference: str = Field(description="Reference to read over the phone, in groups of four.")
    partner_id: str
    applicant_id: str
    track: TrackName = Field(description="`asylum` (protection) or `residence` (a permit without asylum).")
    family_track: TrackName | None = Field(
        description="The track dependants follow through this case; `null` if the family is not covered by it."
    )
    citizenship_path: bool = Field(
        description="Whether the naturalisation steps are open: the approval the case follows granted a citizenship "
        "path (or the partner opened it with one)."
    )
    state: CaseStateName = Field(description="Current state of the case.")
    state_since: datetime = Field(description="When the case entered its current state.")
    allowed_transitions: list[CaseStateName] = Field(description="States the case may move to next.")
    status: str = Field(description="What the state means, in plain language.")
    next_step: str = Field(description="What happens next, in plain language.")
    created_at: datetime


class CaseCreated(CaseRead):
    """A new case, with the applicant's secret: shown this once, stored only as a slow hash."""

    secret: str = Field(description="Give this to the applicant now; it cannot be shown again.")


class ApplicantSecretIssued(BaseModel):
    """A new applicant secret for a case (the previous one stops working)."""

    case_id: str
    reference: str
    secret: str = Field(description="Give this to the applicant now; it cannot be shown again.")


class TransitionCreate(_Strict):
    """Move a case to another state."""

    to_state: CaseStateName
    reason: str = _REASON


class CaseTransfer(_Strict):
    """Hand a case, with its history, to another partner."""

    to_partner: str = Field(min_length=1, max_length=64, description="Organisation id of the receiving partner.")
    reason: str = _REASON


class CaseHistoryEntryRead(BaseModel):
    """One step in a case's life: who, when and why."""

    id: int
    kind: Literal["opened", "transition", "transfer"]
    from_state: CaseStateName | None
    to_state: CaseStateName
    from_partner: str | None = None
    to_partner: str | None = None
    reason: str | None
    actor_org: str
    actor_subject: str
    at: datetime
