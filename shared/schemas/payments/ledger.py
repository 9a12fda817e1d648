"""The ledger on the wire: accounts, contributions, transfers and their entries, reversals."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import PositiveMinor

CURRENCY = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$", description="ISO 4217 code.")


class AccountKind(StrEnum):
    funding = "funding"
    programme_liability = "programme_liability"
    beneficiary_payable = "beneficiary_payable"
    payout_clearing = "payout_clearing"
    fx = "fx"
    fx_rounding = "fx_rounding"


class AccountCreate(BaseModel):
    """What a partner sends to open an account; bank details only for funding accounts."""

    model_config = ConfigDict(extra="forbid")
    currency: str = CURRENCY
    kind: AccountKind = Field(description="What the account holds.")
    bank_iban: str | None = Field(
        default=None, max_length=64, description="IBAN of the bank account behind a funding account."
    )
    bank_bic: str | None = Field(default=None, max_length=16, description="BIC of that bank (optional).")
    bank_holder: str | None = Field(default=None, max_length=70, description="Account holder name for bank files.")


class AccountRead(BaseModel):
    """As the owning partner or a mandated auditor sees it."""

    id: str
    partner_id: str
    currency: str
    kind: AccountKind
    balance_minor: int = Field(description="Balance in minor units; debits positive, credits negative.")
    created_at: datetime


class ContributionCreate(BaseModel):
    """A partner's payment into one of its funding accounts."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "funding_account_id": "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a90",
                    "amount_minor": 250000000,
                    "reference": "budget-2026-q4",
                }
            ]
        },
    )
    funding_account_id: str = Field(min_length=1, max_length=64)
    amount_minor: PositiveMinor = Field(
        description="Amount in minor units of the account's currency: a JSON integer from 1 to 10^15."
    )
    reference: str = Field(min_length=1, max_length=140, description="The partner's own reference (no personal data).")


class ContributionRead(BaseModel):
    """A recorded contribution and the ledger transfer that booked it."""

    id: str
    partner_id: str
    funding_account_id: str
    currency: str
    amount_minor: int
    reference: str
    transfer_id: str
    created_at: datetime


class EntryRead(BaseModel):
    """One immutable ledger entry with its place in the partner's hash chain."""

    id: str
    partner_id: str
    transfer_id: str
    transfer_kind: str
    account_id: str
    currency: str
    amount_minor: int = Field(description="Debit positive, credit negative.")
    seq: int = Field(description="Position in the partner's hash chain, from 1.")
    prev_hash: str
    hash: str
    created_at: datetime


class TransferRead(BaseModel):
    """A balanced transfer: its entries sum to zero in every currency."""

    id: str
    partner_id: str
    kind: str
    memo: str
    reverses_transfer_id: str | None
    created_at: datetime
    entries: list[EntryRead]


class ReversalCreate(BaseModel):
    """Why a transfer is being reversed."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)
