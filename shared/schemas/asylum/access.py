"""NGO access on the wire: grants by a partner or by the applicant, and their revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.schemas.asylum.cases import _REFERENCE, _SECRET, AccessLevel, _Strict


class AccessGrantCreate(_Strict):
    """An officer records the applicant's consent for an NGO."""

    ngo_org: str = Field(min_length=1, max_length=64, description="Organisation id of the NGO.")
    level: AccessLevel = Field(description="`status`: state, dates and next step only; `full`: the whole case.")


class AccessGrantRead(BaseModel):
    """A consent that lets an NGO see a case."""

    id: str
    case_id: str
    ngo_org: str
    level: AccessLevel
    recorded_by_kind: Literal["officer", "applicant"]
    granted_at: datetime
    revoked_at: datetime | None
    active: bool


class ApplicantAccessGrantCreate(_Strict):
    """The applicant gives an NGO access to their case."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    ngo_org: str = Field(min_length=1, max_length=64)
    level: AccessLevel


class ApplicantAccessGrantRevoke(_Strict):
    """The applicant withdraws every access an NGO has to their case."""

    reference: str = _REFERENCE
    secret: str = _SECRET
    ngo_org: str = Field(min_length=1, max_length=64)
