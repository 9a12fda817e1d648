"""Assessments on the wire: the outcome and its trace, entitlements, approvals, rejections and appeals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate


class AssessmentCreate(BaseModel):
    """Run an assessment; the policy in force on the date is used."""

    model_config = ConfigDict(extra="forbid")
    assessment_date: IsoDate | None = Field(default=None, description="Defaults to today (UTC).")


class AssessmentStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    not_eligible = "not_eligible"
    superseded = "superseded"


class ConditionTraceRead(BaseModel):
    """One condition of one tier: what it requires, whether it held, and why."""

    condition: str
    held: bool
    reason: str
    because: str | None = None


class TierTraceRead(BaseModel):
    """How one tier fared for the applicant."""

    tier: str
    title: str
    position: int
    matched: bool
    chosen: bool
    conditions: list[ConditionTraceRead]
    verdict: str


class TrancheRead(BaseModel):
    amount: int = Field(description="Minor units.")
    release: str


class BountyRead(BaseModel):
    amount: int = Field(description="Minor units.")
    currency: str
    tranches: list[TrancheRead]


class StipendRead(BaseModel):
    monthly_amount: int = Field(description="Minor units.")
    currency: str
    months: int
    total: int


class FamilyCoverageRead(BaseModel):
    asylum: bool = False
    residence_path: bool = False


class EntitlementsRead(BaseModel):
    """What a tier grants, amounts worked out."""

    bounty: BountyRead | None = None
    stipend: StipendRead | None = None
    asylum_track: bool = False
    residence_path: bool = False
    citizenship_path: bool = False
    family: FamilyCoverageRead = Field(default_factory=FamilyCoverageRead)


class ApprovalRead(BaseModel):
    approver: str
    approved_at: datetime


class AssessmentRead(BaseModel):
    """An assessment: the policy version, the tier, the entitlements, the trace and the approvals."""

    id: str
    applicant_id: str
    partner_id: str
    policy_version: int
    assessment_date: date
    tier: str
    tier_title: str
    eligible: bool
    entitlements: EntitlementsRead
    totals: dict[str, int] = Field(description="Total value per currency, minor units.")
    required_approvers: int
    approvals: list[ApprovalRead]
    status: AssessmentStatus
    assessed_by: str
    appeal_id: str | None = Field(default=None, description="The appeal this assessment answers, if any.")
    rejection_reason: str | None = None
    tiers: list[TierTraceRead]
    explanation: list[str]
    created_at: datetime


class RejectionCreate(BaseModel):
    """Reject an assessment pending approval."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class AppealCreate(BaseModel):
    """An applicant's appeal against a decision, filed by their partner's officer."""

    model_config = ConfigDict(extra="forbid")
    grounds: str = Field(min_length=1, max_length=4000, description="Encrypted at rest.")


class AppealRead(BaseModel):
    id: str
    assessment_id: str
    applicant_id: str
    status: Literal["open", "reassessed"]
    grounds: str
    created_by: str
    created_at: datetime
    reassessment_id: str | None = None
