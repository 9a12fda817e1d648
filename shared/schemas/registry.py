"""Wire schemas of the registry: the organisations a deployment serves and the history of their changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, Field, field_validator

from shared.money import EXPONENTS
from shared.orgcodes import OrganisationKind, OrganisationStatus, check_code

__all__ = ["OrganisationKind", "OrganisationStatus"]


CODE_DESCRIPTION = (
    "The organisation's code, exactly as registered: upper-case ASCII letters and digits, optionally in groups "
    "joined by single hyphens, 2 to 32 characters (`DE`, `NGO-MEMORIAL`). Nothing is normalised: `de`, `DE ` "
    "and a full-width DE (U+FF24 U+FF25) are refused."
)


def _currencies(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in EXPONENTS]
    if unknown:
        raise ValueError(f"not active ISO 4217 currency codes: {', '.join(repr(v) for v in unknown)}")
    if len(set(values)) != len(values):
        raise ValueError("each currency may be listed once")
    return values


def _codes(values: list[str]) -> list[str]:
    for value in values:
        check_code(value)
    if len(set(values)) != len(values):
        raise ValueError("each partner may be listed once")
    return values


class OrganisationCreate(BaseModel):
    """A new organisation: who it is and which identity provider vouches for its people."""

    code: str = Field(max_length=64, description=CODE_DESCRIPTION)
    kind: OrganisationKind = Field(description="`partner` (a government), `ngo` or `auditor`.")
    name: str = Field(min_length=1, max_length=200, description="Display name.")
    issuer: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="`iss` of the organisation's identity provider; its tokens must carry exactly this issuer.",
    )
    jwks_url: AnyHttpUrl | None = Field(
        default=None, description="Where the identity provider publishes its signing keys (required in production)."
    )
    currencies: list[str] = Field(
        default_factory=list, max_length=20, description="Partners only: ISO 4217 currencies it funds and pays in."
    )
    mandates: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="NGOs and auditors only: codes of the partners whose records it may read.",
    )

    _check_code = field_validator("code")(check_code)
    _check_currencies = field_validator("currencies")(_currencies)
    _check_mandates = field_validator("mandates")(_codes)


class OrganisationUpdate(BaseModel):
    """Fields to change; fields left out keep their value. Kind and code never change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    issuer: str | None = Field(default=None, min_length=1, max_length=500)
    jwks_url: AnyHttpUrl | None = None
    currencies: list[str] | None = Field(default=None, max_length=20)
    mandates: list[str] | None = Field(default=None, max_length=200)

    @field_validator("currencies")
    @classmethod
    def _check_currencies(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _currencies(values)

    @field_validator("mandates")
    @classmethod
    def _check_mandates(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _codes(values)


class StatusChange(BaseModel):
    """Why an organisation is suspended or reactivated (kept in its history; no personal data)."""

    reason: str = Field(min_length=1, max_length=500, description="Why, for the history.")


class OrganisationRead(BaseModel):
    """An organisation as the registry holds it now."""

    code: str
    kind: OrganisationKind
    name: str
    status: OrganisationStatus = Field(description="A suspended organisation's tokens are refused everywhere.")
    issuer: str | None
    jwks_url: str | None
    currencies: list[str]
    mandates: list[str]
    revision: int = Field(description="Grows by one with each change of this organisation.")
    created_at: datetime
    updated_at: datetime


class OrganisationChangeRead(BaseModel):
    """One entry of an organisation's append-only history."""

    id: int = Field(description="Position in the registry's history; the snapshot `version` is the latest one.")
    code: str
    action: str = Field(description="`created`, `updated`, `suspended` or `reactivated`.")
    at: datetime
    actor_org: str
    actor_kind: str
    actor_subject: str = Field(description="Who made the change (the operator's subject).")
    changes: dict[str, Any] = Field(description="Each changed field with its value `before` and `after`.")
    reason: str | None = None


class RegistrySnapshot(BaseModel):
    """Every organisation at one version of the registry; what services cache."""

    version: int = Field(description="The id of the latest history entry; changes whenever any organisation does.")
    organisations: list[OrganisationRead]
