"""Payments wire schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AccountKind(StrEnum):
    funding = "funding"
    programme_liability = "programme_liability"
    beneficiary_payable = "beneficiary_payable"
    payout_clearing = "payout_clearing"
    fx = "fx"


class AccountCreate(BaseModel):
    """What a partner sends to create one."""

    model_config = ConfigDict(extra="forbid")
    currency: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$", description="ISO 4217 code.")
    kind: AccountKind = Field(description="What the account holds.")


class AccountRead(BaseModel):
    """As the owning partner sees it."""

    id: str
    partner_id: str
    currency: str
    kind: AccountKind
    balance_minor: int = Field(description="Balance in minor units of the currency.")
    created_at: datetime
