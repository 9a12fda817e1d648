"""Wire schemas of a partner's erasure by key destruction: one operator asks, a second approves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

PARTNER_CODE = r"^[A-Z][A-Z0-9_-]{1,31}$"


class ErasureStatus(StrEnum):
    pending_approval = "pending_approval"
    completed = "completed"


class ErasureRequestCreate(BaseModel):
    """An operator's request to erase a partner; the partner code is typed twice."""

    partner_id: str = Field(pattern=PARTNER_CODE, description="Code of the partner to erase, e.g. `DE`.")
    confirmation: str = Field(
        max_length=32, description="The partner code typed again, character for character; anything else is refused."
    )


class ErasureApproval(BaseModel):
    """A second operator's approval; the partner code is typed again here too."""

    confirmation: str = Field(max_length=32, description="The code of the partner being erased, typed again.")


class ErasureRequestRead(BaseModel):
    """An erasure request: who asked, who approved, and what was destroyed."""

    id: str
    partner_id: str
    status: ErasureStatus
    requested_by: str = Field(description="Subject of the operator who asked.")
    requested_at: datetime
    approved_by: str | None = Field(default=None, description="Subject of the second operator, once approved.")
    approved_at: datetime | None = None
    kek_destroyed: bool = Field(
        default=False,
        description="Whether the partner's key-encryption key was destroyed in the vault by this request.",
    )
    data_keys_destroyed: int = Field(
        default=0,
        description="Data keys marked destroyed in this service; the others read the partner as erased "
        "within a minute since they can no longer unwrap its keys.",
    )
