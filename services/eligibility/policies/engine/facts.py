"""The applicant facts a policy may test, and how each is read on an assessment date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.schemas.eligibility import Category


class BirthDateAfterAssessment(ValueError):
    """The applicant's birth date lies after the assessment date."""


def validate_country(code: str) -> str:
    """Return the code if it is an ISO 3166-1 alpha-2 country, else raise ValueError."""
    if len(code) != 2 or not code.isupper() or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code: use e.g. RU, BY, DE")
    return code


class ApplicantFacts(BaseModel):
    """What an assessment knows about an applicant; unknown values are None."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: Category
    citizenship: str
    birth_date: dt.date | None = None
    # How much of `birth_date` is known: a year-only date is stored as 1 January, a year-and-month one as the 1st.
    birth_date_known_to: Literal["day", "month", "year"] = "day"
    rank: str | None = None
    post: str | None = None
    service_verified: bool = False
    arrived_in_partner_territory: bool = False
    left_post: bool = False
    family_members: int = Field(default=0, ge=0)

    @field_validator("citizenship")
    @classmethod
    def _check_citizenship(cls, value: str) -> str:
        return validate_country(value)


FactValue = str | bool | int | None
FactKind = Literal["category", "country", "text", "flag", "number"]
FactName = Literal[
    "category",
    "citizenship",
    "rank",
    "post",
    "service_verified",
    "arrived_in_partner_territory",
    "left_post",
    "age",
    "family_members",
]


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Return completed years of age on a date (someone born on 29 February ages on 1 March)."""
    if birth_date > on:
        raise BirthDateAfterAssessment("the birth date lies after the assessment date")
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def _latest_possible_birth_date(facts: ApplicantFacts) -> dt.date | None:
    born = facts.birth_date
    if born is None or facts.birth_date_known_to == "day":
        return born
    if facts.birth_date_known_to == "year":
        return dt.date(born.year, 12, 31)
    next_month = dt.date(born.year + born.month // 12, born.month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def _read_age(facts: ApplicantFacts, on: dt.date) -> FactValue:
    """The age on a date; with a partial birth date, only when every possible day of birth gives the same age."""
    latest = _latest_possible_birth_date(facts)
    if facts.birth_date is None or latest is None:
        return None
    oldest = age_on(facts.birth_date, on)
    if latest > on:
        return None
    return oldest if age_on(latest, on) == oldest else None


@dataclass(frozen=True)
class FactSpec:
    """How a fact is typed, whether it may be unknown, and how it is read."""

    name: FactName
    kind: FactKind
    may_be_unknown: bool
    read: Callable[[ApplicantFacts, dt.date], FactValue]
    label: str


FACTS: dict[str, FactSpec] = {
    spec.name: spec
    for spec in [
        FactSpec("category", "category", False, lambda f, _: f.category.value, "category"),
        FactSpec("citizenship", "country", False, lambda f, _: f.citizenship, "citizenship"),
        FactSpec("rank", "text", True, lambda f, _: f.rank, "rank"),
        FactSpec("post", "text", True, lambda f, _: f.post, "post"),
        FactSpec(
            "service_verified",
            "flag",
            False,
            lambda f, _: f.service_verified,
            "service verified",
        ),
        FactSpec(
            "arrived_in_partner_territory",
            "flag",
            False,
            lambda f, _: f.arrived_in_partner_territory,
            "arrived in partner territory",
        ),
        FactSpec("left_post", "flag", False, lambda f, _: f.left_post, "resigned, defected or left their post"),
        FactSpec("age", "number", True, _read_age, "age on the assessment date"),
        FactSpec(
            "family_members",
            "number",
            False,
            lambda f, _: f.family_members,
            "linked family members",
        ),
    ]
}


def read_facts(facts: ApplicantFacts, on: dt.date) -> dict[str, FactValue]:
    """Read every fact a policy may test, as of the assessment date."""
    return {name: spec.read(facts, on) for name, spec in FACTS.items()}
