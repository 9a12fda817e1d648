"""Eligibility wire schemas."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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
    """A name as written in one script."""

    model_config = ConfigDict(extra="forbid")
    script: Script = Field(description="Script the name is written in.")
    given: str = Field(min_length=1, max_length=200, description="Given name(s).")
    family: str = Field(min_length=1, max_length=200, description="Family name.")
    patronymic: str | None = Field(default=None, max_length=200, description="Patronymic, if any.")


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


class ApplicantCreate(BaseModel):
    """What an intake officer registers."""

    model_config = ConfigDict(extra="forbid")
    category: Category
    names: list[PersonName] = Field(min_length=1, description="The name in Cyrillic and/or Latin script.")
    birth_date: date
    citizenship: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2 code.")
    documents: list[IdentityDocument] = Field(default_factory=list)
    rank_or_post: str | None = Field(default=None, max_length=200, description="Military rank or civilian post.")


class DocumentRead(BaseModel):
    """A registered document, without its number."""

    type: str
    issuing_country: str


class ApplicantRead(BaseModel):
    """An applicant as their partner sees them."""

    id: str = Field(description="Pseudonymous applicant id.")
    partner_id: str
    category: Category
    names: list[PersonName]
    birth_date: date
    citizenship: str
    documents: list[DocumentRead]
    rank_or_post: str | None
    created_at: datetime
