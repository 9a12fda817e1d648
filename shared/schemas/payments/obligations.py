"""Obligations on the wire: what is owed to whom, and the evidence and manual releases that make it due."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate


class ObligationStatus(StrEnum):
    waiting = "waiting"
    due = "due"
    paid = "paid"
    # Replaced by a later approval of the same applicant before it was paid; never payable.
    superseded = "superseded"


class ReleaseBasis(StrEnum):
    """What made an obligation due."""

    # Released at approval: its trigger was the approval itself.
    approval = "approval"
    # Its date came (stipend months, delayed tranches).
    due_date = "due_date"
    # Its condition happened, as an event said: arrival verified in eligibility, asylum granted.
    event = "event"
    # Released by hand on named evidence, approved by a second officer; the condition is not taken as happened.
    manual_evidence = "manual_evidence"


class ObligationRead(BaseModel):
    """Money owed to a beneficiary: a bounty tranche or a stipend month."""

    id: str
    partner_id: str
    applicant_id: str
    assessment_id: str
    key: str = Field(description="Stable key within the approval, e.g. `bounty:0:tranche:1`.")
    kind: str
    currency: str
    amount_minor: int
    trigger: str
    due_on: date | None
    status: ObligationStatus
    released_at: datetime | None
    note: str | None = Field(
        default=None,
        description="Why the amount differs from the approval (earlier payments offset, or a currency not offset), "
        "or which later approval superseded it.",
    )
    release_basis: ReleaseBasis | None = Field(
        default=None,
        description="What made it due; null while waiting (and for releases recorded before bases were kept).",
    )
    manual_release_id: str | None = Field(
        default=None, description="For a release by hand: the manual release that names its evidence."
    )


EVENT_TRIGGER = Field(
    pattern="^(verified_arrival|asylum_granted)$",
    description="The condition the tranches wait for: `verified_arrival` or `asylum_granted`.",
)


class ReleaseEvidence(BaseModel):
    """The evidence an officer names for releasing a tranche by hand."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        pattern="^[a-z][a-z0-9_]{1,39}$",
        description="Kind of evidence as a short code, e.g. `border_crossing_record`, `court_decision`; "
        "no personal data.",
    )
    reference: str = Field(
        min_length=1,
        max_length=500,
        description="Where the evidence is found or what it says (free text, may name people: encrypted at rest).",
    )


class ReleaseEvidenceRead(BaseModel):
    """The evidence a release by hand named, as read back."""

    kind: str
    reference: str | None = Field(description="The free-text reference; null once the partner's keys were destroyed.")


class ManualReleaseCreate(BaseModel):
    """Ask to release, by hand, an applicant's tranches waiting for a condition, on named evidence."""

    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(min_length=1, max_length=64)
    trigger: str = EVENT_TRIGGER
    evidence: ReleaseEvidence


class ManualReleaseStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"


class ManualReleaseRead(BaseModel):
    """A release by hand: who asked, on what evidence, who approved, and which obligations it released."""

    id: str
    partner_id: str
    applicant_id: str
    trigger: str
    evidence: ReleaseEvidenceRead
    status: ManualReleaseStatus
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    released_obligation_ids: list[str] = Field(description="Obligations this release made due (once approved).")


class DueRelease(BaseModel):
    """Release every date-triggered obligation due on or before `as_of`."""

    model_config = ConfigDict(extra="forbid")
    as_of: IsoDate = Field(description="An ISO 8601 date, e.g. `2026-12-01`.")


class ReleaseResult(BaseModel):
    """Which obligations a release made due."""

    released: list[ObligationRead]
