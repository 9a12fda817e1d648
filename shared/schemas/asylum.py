"""Asylum wire schemas: cases, history, dependants, NGO access and the applicant's status lookup."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate

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


class DependantCreate(_Strict):
    """A family member to add to a case."""

    relation: RelationName
    person_ref: str | None = Field(
        default=None, max_length=36, description="Pseudonymous id of the person in eligibility, if registered there."
    )
    name: str | None = Field(default=None, max_length=200, description="Full name (encrypted at rest).")
    birth_date: IsoDate | None = Field(default=None, description="Birth date (encrypted at rest).")


class DependantRead(BaseModel):
    """A family member and their status."""

    id: str
    case_id: str
    relation: RelationName
    person_ref: str | None
    name: str | None
    birth_date: date | None
    state: CaseStateName = Field(description="Their own decision if one was recorded, else the main case's state.")
    state_source: Literal["main_case", "own_decision"]
    decision_reason: str | None
    decided_at: datetime | None


class DependantDecisionCreate(_Strict):
    """Record a decision for one dependant, or clear it (`null`) to follow the main case again."""

    decision: CaseStateName | None
    reason: str = _REASON


class AccessGrantCreate(_Strict):
    """An officer records the applicant's consent for an NGO."""

    ngo_org: str = Field(min_length=1, max_length=64, description="Organisation id of the NGO.")
    level: AccessLevel = Field(description="`status`: state, dates and next step only; `full`: the whole case.")


class AccessGrantRead(BaseModel):
    """A consent that lets an NGO see a case."""

    id: str
    case_id: str
    ngo_org: str
    level: AccessLevel
    recorded_by_kind: Literal["officer", "applicant"]
    granted_at: datetime
    revoked_at: datetime | None
    active: bool


class ApplicantAccessGrantCreate(_Strict):
    """The applicant gives an NGO access to their case."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    ngo_org: str = Field(min_length=1, max_length=64)
    level: AccessLevel


class ApplicantAccessGrantRevoke(_Strict):
    """The applicant withdraws every access an NGO has to their case."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    ngo_org: str = Field(min_length=1, max_length=64)


class StatusLookupRequest(_Strict):
    """The applicant asks for the status of their case."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    language: LanguageCode = "en"


class StatusLookupResult(BaseModel):
    """The status of a case in plain language."""

    state: CaseStateName
    status: str
    next_step: str
    since: date = Field(description="Day the case entered this state.")
    language: LanguageCode


class DuressSecretSet(_Strict):
    """The applicant sets a second secret to use if ever forced to show their status."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    duress_secret: str = Field(min_length=1, max_length=128, description="At least 6 letters or digits.")


class CaseStatusView(BaseModel):
    """A case at `status` level: no name, no birth date, no documents."""

    case_id: str
    state: CaseStateName
    status: str
    next_step: str
    state_since: datetime
    opened_on: date


class SharedCaseRead(BaseModel):
    """A case as an NGO sees it; the `full` fields are present only with a `full` grant."""

    case_id: str
    level: AccessLevel
    partner_id: str
    view: CaseStatusView
    reference: str | None = None
    applicant_id: str | None = None
    dependants: list[DependantRead] | None = None
    history: list[CaseHistoryEntryRead] | None = None


_SUPPRESSION = (
    "null when suppressed: a non-zero figure over fewer cases than `min_cell` (`ASYLUM_STATS_MIN_CELL`, "
    "default 5) could single out a person, so it is withheld."
)


class SuppressibleCount(BaseModel):
    """A count of cases, withheld when it is small enough to single out people."""

    value: int | None = Field(description=f"The number of cases; {_SUPPRESSION} Zero is always shown.")
    suppressed: bool = Field(description="True when `value` was withheld because it is below `min_cell`.")


class SuppressibleDays(BaseModel):
    """A median in days, withheld when it is taken over too few cases."""

    value: float | None = Field(description=f"Median days, to one decimal; {_SUPPRESSION}")
    suppressed: bool = Field(description="True when `value` was withheld because too few stays ended.")


class CaseStatistics(BaseModel):
    """Figures about a partner's cases, without personal data; small cells are suppressed."""

    min_cell: int = Field(description="Smallest number of cases a figure is shown for (`ASYLUM_STATS_MIN_CELL`).")
    cases_by_state: dict[str, SuppressibleCount] = Field(
        description="State → cases in it now; every state appears, 1 to `min_cell - 1` cases suppressed."
    )
    median_days_per_state: dict[str, SuppressibleDays] = Field(
        description="Median days in each state, over stays that ended; over fewer than `min_cell` stays suppressed."
    )
    decisions_per_month: dict[str, dict[str, SuppressibleCount]] = Field(
        description="`YYYY-MM` (UTC) → decision → count; counts below `min_cell` suppressed."
    )


class ProtectionAlertRead(BaseModel):
    """A case whose duress secret was used: the applicant may be under pressure."""

    case_id: str
    reference: str
    flagged_at: datetime
    flag_count: int
