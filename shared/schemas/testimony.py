"""Testimony wire schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TestimonyCreate(BaseModel):
    """What a partner sends to create one."""

    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(min_length=1, max_length=36, description="Pseudonymous applicant id.")
    language: str = Field(min_length=2, max_length=8, description="BCP 47 language tag, e.g. `ru`.")


class TestimonyRead(BaseModel):
    """As the owning partner sees it."""

    id: str
    partner_id: str
    applicant_id: str
    language: str
    created_at: datetime
