"""Tier policies on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class PolicyRead(BaseModel):
    """A stored tier policy version."""

    id: str
    partner_id: str
    version: int
    effective_from: date
    effective_to: date | None
    tiers: list[str] = Field(description="Tier ids in the order they are tried.")
    created_at: datetime
    created_by: str
    document: dict[str, Any] = Field(description="The validated policy document.")
