"""Eligibility wire schemas: applicants, duplicates, bulk intake, policies, assessments, approvals, appeals."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from shared.schemas.common import IsoDate, NonNegativeMinor


class Category(StrEnum):
    conscript = "conscript"
    contract_soldier = "contract_soldier"
    officer = "officer"
    senior_officer = "senior_officer"
    diplomat = "diplomat"
    official = "official"
    public_figure = "public_figure"
    skilled_professional = "skilled_professional"
    family_member = "family_member"


class Script(StrEnum):
    cyrillic = "cyrillic"
    latin = "latin"


class PersonName(BaseModel):
    """A name as written in one script; people without papers may give a single part."""

    model_config = ConfigDict(extra="forbid")
    script: Script = Field(description="Script the name is written in.")
    given: str | None = Field(
        default=None, min_length=1, max_length=200, description="Given name(s); may be omitted if unknown."
    )
    family: str | None = Field(
        default=None, min_length=1, max_length=200, description="Family name; may be omitted if unknown."
    )
    patronymic: str | None = Field(default=None, max_length=200, description="Patronymic, if any.")

    @model_validator(mode="after")
    def _has_a_name(self) -> PersonName:
        if not (self.given and self.given.strip()) and not (self.family and self.family.strip()):
            raise ValueError("give at least a given name or a family name")
        return self


def _birth_date_text(value: object) -> object:
    """Accept a date object as its ISO text, so that callers holding a `date` keep working."""
    return value.isoformat() if isinstance(value, date) else value


def _check_birth_date(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [int(part) for part in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as error:
        raise ValueError("the birth date is not a date that exists: check its month and day") from error
    return value


BirthDateText = Annotated[
    Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None,
    BeforeValidator(_birth_date_text),
    AfterValidator(_check_birth_date),
    Field(
        description="Birth date as far as it is known: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; null when unknown.",
        examples=["1999-04-01", "1987-05", "1987"],
    ),
]


class IdentityDocument(BaseModel):
    """An identity document; the number is stored only as a keyed hash of its normalised form."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(
        min_length=1,
        max_length=50,
        description="e.g. `passport`, `internal_passport`, `military_id`.",
    )
    issuing_country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code.")
    number: str = Field(
        min_length=3,
        max_length=64,
        description="Document number; never stored or returned in clear.",
    )


class ContactKind(StrEnum):
    phone = "phone"
    email = "email"
    messenger = "messenger"
    postal = "postal"


class Contact(BaseModel):
    """A way to reach the applicant; encrypted at rest."""

    model_config = ConfigDict(extra="forbid")
    kind: ContactKind
    value: str = Field(min_length=1, max_length=300)


class Evidence(BaseModel):
    """What the partner has verified about the applicant."""

    model_config = ConfigDict(extra="forbid")
    service_verified: bool = Field(default=False, description="Military or state service was verified.")
    arrived_in_partner_territory: bool = Field(
        default=False,
        description="The applicant's arrival in partner territory was verified; releases tranches waiting for "
        "`verified_arrival` (announced as `eligibility.applicant.arrival_verified`).",
    )
    left_post: bool = Field(
        default=False,
        description="The applicant resigned, defected or otherwise left their post (diplomats, officials, senior "
        "officers, public figures); verified by the partner.",
    )


class ApplicantCreate(BaseModel):
    """What an intake officer registers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "conscript",
                    "names": [
                        {"script": "cyrillic", "given": "Иван", "family": "Петров", "patronymic": "Сергеевич"},
                        {"script": "latin", "given": "Ivan", "family": "Petrov"},
                    ],
                    "birth_date": "1999-04-01",
                    "citizenship": "RU",
                    "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 1234567"}],
                    "evidence": {"service_verified": True},
                }
            ]
        },
    )
    category: Category
    names: list[PersonName] = Field(
        min_length=1, max_length=10, description="The name in Cyrillic and/or Latin script (at most 10 spellings)."
    )
    birth_date: BirthDateText = None
    citizenship: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code.")
    documents: list[IdentityDocument] = Field(default_factory=list, max_length=10)
    rank_or_post: str | None = Field(default=None, max_length=200, description="Military rank or civilian post.")
    contacts: list[Contact] = Field(default_factory=list, max_length=10)
    evidence: Evidence = Field(default_factory=Evidence)
    main_applicant_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="For a `family_member`: the main applicant of the same partner whose tier covers them.",
    )


class DocumentRead(BaseModel):
    """A registered document, without its number."""

    type: str
    issuing_country: str


class DuplicateStatus(StrEnum):
    """Whether an identity document of the applicant was registered before."""

    none = "none"
    suspected = "suspected"
    distinct = "distinct"
    confirmed = "confirmed"


class ScreeningStatus(StrEnum):
    """The applicant's state against the sanctions lists; only `clear` and `resolved` allow approval."""

    unavailable = "unavailable"
    # Lists changed and this applicant has not yet been screened against them again (fails closed).
    pending = "pending"
    clear = "clear"
    hits = "hits"
    resolved = "resolved"


class ApplicantRead(BaseModel):
    """An applicant as their partner sees them."""

    id: str = Field(description="Pseudonymous applicant id.")
    partner_id: str
    category: Category
    names: list[PersonName]
    birth_date: BirthDateText = None
    citizenship: str
    documents: list[DocumentRead]
    rank_or_post: str | None
    contacts: list[Contact] = Field(default_factory=list)
    evidence: Evidence = Field(default_factory=Evidence)
    main_applicant_id: str | None = None
    family_member_ids: list[str] = Field(default_factory=list)
    duplicate_status: DuplicateStatus = DuplicateStatus.none
    screening_status: ScreeningStatus = ScreeningStatus.unavailable
    created_at: datetime


class EvidenceUpdate(BaseModel):
    """Evidence flags to change; omitted flags stay as they are."""

    model_config = ConfigDict(extra="forbid")
    service_verified: bool | None = None
    arrived_in_partner_territory: bool | None = None
    left_post: bool | None = None


class DuplicateConflictRead(BaseModel):
    """A document registered twice: each partner sees the reference and its own applicant, never the other's."""

    reference: str = Field(description="Reference of the conflict, the same for both partners.")
    applicant_id: str | None = Field(description="Your applicant in the conflict; None if it is only the other's.")
    registered_later: bool = Field(description="Whether your applicant is the later registration, which is blocked.")
    same_partner: bool = Field(description="Whether both registrations are yours.")
    status: Literal["open", "resolved"]
    outcome: Literal["distinct_persons", "same_person"] | None = None
    created_at: datetime
    resolved_at: datetime | None = None


class DuplicateResolution(BaseModel):
    """An officer's finding on a possible duplicate."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["distinct_persons", "same_person"]


class IntakeRowReport(BaseModel):
    """What happened to one row of a bulk intake."""

    row: int = Field(description="Row number: 1 is the first data row.")
    status: Literal["accepted", "rejected"]
    applicant_id: str | None = None
    problems: list[str] = Field(default_factory=list, description="Why the row was rejected; never its content.")


class IntakeJobRead(BaseModel):
    """A bulk intake job and its progress."""

    id: str
    status: Literal["queued", "running", "completed", "failed", "interrupted"] = Field(
        description="`interrupted`: no worker made progress for five minutes; the rows reported as accepted are "
        "registered, and the job resumes after them once a worker runs. `failed`: it failed on every attempt."
    )
    format: Literal["csv", "jsonl"]
    total_rows: int
    processed_rows: int
    accepted_rows: int
    rejected_rows: int
    created_at: datetime
    finished_at: datetime | None = None
    rows: list[IntakeRowReport] = Field(default_factory=list, description="Per-row report, in row order.")


class PolicyRead(BaseModel):
    """A stored tier policy version."""

    id: str
    partner_id: str
    version: int
    effective_from: date
    effective_to: date | None
    tiers: list[str] = Field(description="Tier ids in the order they are tried.")
    created_at: datetime
    created_by: str
    document: dict[str, Any] = Field(description="The validated policy document.")


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
