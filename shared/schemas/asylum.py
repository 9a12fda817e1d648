"""Asylum wire schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CaseCreate(BaseModel):
    """What a partner sends to create one."""

    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(
        min_length=1,
        max_length=36,
        description="Pseudonymous applicant id from eligibility.",
    )


class CaseRead(BaseModel):
    """As the owning partner sees it."""

    id: str
    partner_id: str
    applicant_id: str
    state: str = Field(description="Current state of the case.")
    created_at: datetime
