"""Event contracts between services.

Events carry pseudonymous ids only: never names, birth dates, documents or contact details.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.schemas.common import NonNegativeMinor, Traceparent

APPLICANT_APPROVED = "eligibility.applicant.approved"
ARRIVAL_VERIFIED = "eligibility.applicant.arrival_verified"
FAMILY_MEMBER_REGISTERED = "eligibility.family_member.registered"
CASE_OPENED = "asylum.case.opened"
CASE_STATUS_CHANGED = "asylum.case.status_changed"
TESTIMONY_TAKEN_DOWN = "testimony.publication.taken_down"
# Every other change is announced as `<service>.<resource_type>.<action>` with a `RecordChanged` payload.


class EventEnvelope(BaseModel):
    """What every delivery carries; `id` is unique so consumers can ignore repeats."""

    id: str = Field(max_length=64, description="Unique event id (UUID); a consumer handles each id at most once.")
    type: str = Field(max_length=128, description="Event type, e.g. `eligibility.applicant.approved`.")
    source: str = Field(max_length=64, description="Service that emitted it.")
    occurred_at: datetime = Field(description="When the change was committed (UTC).")
    partner_id: str | None = Field(default=None, max_length=64, description="Partner (tenant) the event belongs to.")
    data: dict[str, Any] = Field(description="Type-specific payload.")
    traceparent: Traceparent | None = Field(
        default=None,
        description="W3C Trace Context `traceparent` of the work that published the event, so its consumer continues "
        "the same trace; absent outside a trace and in events recorded before this field. Covered by the signature "
        "like the rest of the envelope; carries trace and span ids only.",
    )


# At most this many events in one signed batch (`POST /v1/events/batch`); a producer also keeps a batch's body
# under 1 MiB, well below every service's body limit.
EVENT_BATCH_MAX = 500


class EventBatch(BaseModel):
    """Several events of one producer for one consumer, signed once over the whole body.

    The batch's `id` and `source` equal the `webhook-id` and `carrots-source` headers; every event inside keeps
    its own `id`, `type` and `source` (the producer's), and the consumer handles each id at most once, whatever
    batch or single delivery brings it.
    """

    id: str = Field(max_length=64, description="Unique id of this delivery (not of an event); equals `webhook-id`.")
    source: str = Field(max_length=64, description="Service that emitted every event of the batch.")
    events: list[EventEnvelope] = Field(
        min_length=1, max_length=EVENT_BATCH_MAX, description="The events, oldest first; ids distinct."
    )


class EventOutcome(StrEnum):
    """What a consumer did with one event of a batch."""

    applied = "applied"
    duplicate = "duplicate"
    failed = "failed"


class EventResult(BaseModel):
    """One event's outcome in a batch: `applied` and `duplicate` are done; `failed` is delivered again later."""

    id: str = Field(description="The event's id.")
    outcome: EventOutcome = Field(
        description="`applied`: handled now; `duplicate`: handled before, nothing changed; `failed`: nothing of it "
        "was kept, the producer retries it on its schedule."
    )
    problem: dict[str, Any] | None = Field(
        default=None,
        description="For `failed`: an RFC 9457 problem (type, title, status, detail) without personal data.",
    )


class EventBatchResult(BaseModel):
    """A consumer's answer to a batch: one result per event, in the batch's order."""

    results: list[EventResult]


ReleaseTrigger = str  # "approval", "verified_arrival", "asylum_granted" or "days_after_approval:N"


class BountyTranche(BaseModel):
    """One part of a bounty and what releases it."""

    amount_minor: NonNegativeMinor = Field(description="Amount in minor units of the bounty's currency.")
    trigger: ReleaseTrigger = Field(
        description="What releases it: `approval`, `verified_arrival`, `asylum_granted` or `days_after_approval:N`."
    )


class BountyEntitlement(BaseModel):
    """A one-off sum paid in tranches."""

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code.")
    total_minor: NonNegativeMinor = Field(description="Whole bounty in minor units; the tranches sum to it.")
    tranches: list[BountyTranche]


class StipendEntitlement(BaseModel):
    """A monthly payment for a number of months."""

    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code.")
    monthly_minor: NonNegativeMinor = Field(description="Monthly amount in minor units.")
    months: int = Field(ge=1, le=600, description="Number of monthly payments.")


class Entitlements(BaseModel):
    """What an approved applicant was promised."""

    bounty: BountyEntitlement | None = None
    stipend: StipendEntitlement | None = None
    asylum_track: bool = Field(default=False, description="Whether an asylum case is opened.")
    residence_path: bool = Field(default=False, description="Whether a residence (not asylum) path is opened.")
    citizenship_path: bool = Field(default=False, description="Whether the case leads toward citizenship.")
    family_covered: bool = Field(default=False, description="Whether dependants are covered at all.")
    family_asylum: bool = Field(default=False, description="Whether dependants follow the applicant's asylum track.")
    family_residence_path: bool = Field(default=False, description="Whether dependants get a residence path.")


class ApplicantApproved(BaseModel):
    """Eligibility approved an assessment: payments creates obligations, asylum opens a case.

    A later approval of the same applicant (a new `assessment_id`) replaces the earlier one: consumers
    must not add both.
    """

    applicant_id: str = Field(description="Pseudonymous applicant id.")
    assessment_id: str
    partner_id: str
    tier: str
    policy_version: str
    approved_on: date
    entitlements: Entitlements
    dependant_ids: list[str] = Field(default_factory=list, description="Pseudonymous ids of covered family members.")
    arrival_verified: bool = Field(
        default=False,
        description="Whether the applicant's arrival in the partner's territory was verified by the time of approval: "
        "tranches waiting for `verified_arrival` are released at once.",
    )


class ArrivalVerified(BaseModel):
    """Eligibility recorded that the applicant's arrival in the partner's territory was verified.

    Sent whenever the evidence turns true, before or after an approval: payments remembers it and releases
    the applicant's `verified_arrival` tranches, now or when the approval arrives.
    """

    applicant_id: str = Field(description="Pseudonymous applicant id.")
    partner_id: str
    verified_at: datetime = Field(description="When the evidence was recorded.")


class FamilyMemberRegistered(BaseModel):
    """Eligibility registered a family member for a main applicant of the same partner.

    Sent whatever the main applicant's state: asylum remembers it and adds the member to the main applicant's
    case once the case exists and covers the family, whichever event comes first.
    """

    applicant_id: str = Field(description="Pseudonymous id of the family member.")
    main_applicant_id: str = Field(description="Pseudonymous id of the main applicant whose tier covers them.")
    partner_id: str
    registered_at: datetime


class CaseOpened(BaseModel):
    """Asylum opened a case."""

    case_id: str
    applicant_id: str
    partner_id: str


class CaseStatusChanged(BaseModel):
    """An asylum case moved to another state; `asylum_granted` tranches wait for `granted`.

    A grant releases the tranches only of the partners in `holders`: the one holding the case and those that
    held it before and transferred it on, along this case's own history.
    """

    case_id: str
    applicant_id: str
    partner_id: str = Field(description="The partner holding the case now.")
    from_state: str
    to_state: str
    changed_at: datetime
    holders: list[str] = Field(
        default_factory=list,
        description="Every partner that held this case, in order: the first opened it, each transferred it to the "
        "next, the last (`partner_id`) holds it now. Empty from producers before this field: `partner_id` alone.",
    )

    @model_validator(mode="after")
    def _holder_is_last(self) -> CaseStatusChanged:
        if self.holders and self.holders[-1] != self.partner_id:
            raise ValueError("the last of `holders` must be `partner_id`, the partner holding the case")
        return self

    def case_holders(self) -> list[str]:
        """The partners along the case's history, the current holder last; never empty."""
        return list(dict.fromkeys([*self.holders, self.partner_id]))


class TestimonyTakenDown(BaseModel):
    """A publication was withdrawn: caches and mirrors must purge it."""

    publication_id: str
    reason: Literal["withdrawn", "expired", "narrowed"]
    taken_down_at: datetime


class RecordChanged(BaseModel):
    """A record changed: ids only, so subscribers can fetch what they are allowed to see.

    Carried by every change that has no more specific event; the type is
    `<service>.<resource_type>.<action>`, e.g. `asylum.case.transferred`.
    """

    resource_type: str = Field(description="Kind of record, e.g. `applicant`, `case`, `obligation`.")
    resource_id: str = Field(description="Its id (pseudonymous).")
    action: str = Field(description="What happened, e.g. `registered`, `transferred`, `released`.")
    partner_id: str | None = Field(default=None, description="Partner the record belongs to.")
    actor_kind: str = Field(description="Kind of caller that made the change (`partner`, `service`, ...).")
    changed_at: datetime
