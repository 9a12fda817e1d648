"""The applicant's side on the wire: the status lookup, the duress secret and what an NGO is shown."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.schemas.asylum.cases import (
    _REFERENCE,
    _SECRET,
    AccessLevel,
    CaseHistoryEntryRead,
    CaseStateName,
    LanguageCode,
    _Strict,
)
from shared.schemas.asylum.family import DependantRead


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
