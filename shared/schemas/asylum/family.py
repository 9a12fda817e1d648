"""Dependants on the wire: the family members a case covers and the decisions on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas.asylum.cases import _REASON, CaseStateName, RelationName, _Strict
from shared.schemas.common import IsoDate


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
