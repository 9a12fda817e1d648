"""Applicants on the wire: names, documents, contacts, evidence, and duplicate conflicts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator


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
