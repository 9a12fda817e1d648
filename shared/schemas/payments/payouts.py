"""Payouts on the wire: beneficiaries' bank accounts, FX rates, payouts and their status event."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDateTime


class BankAccountSet(BaseModel):
    """A beneficiary's bank account; stored encrypted, validated as an IBAN."""

    model_config = ConfigDict(extra="forbid")
    iban: str = Field(min_length=15, max_length=42)
    bic: str | None = Field(default=None, max_length=11)
    holder: str = Field(min_length=1, max_length=70, description="Name on the account, encrypted at rest.")


class BankAccountRead(BaseModel):
    """What the API shows of a stored bank account: never the full number or the name."""

    applicant_id: str
    iban_last4: str
    country: str
    updated_at: datetime


class FxRateIn(BaseModel):
    """The rate of one unit of the funding currency in the obligation's currency."""

    model_config = ConfigDict(extra="forbid")
    rate: Decimal = Field(gt=0, max_digits=24, decimal_places=12)
    source: str = Field(min_length=1, max_length=100)
    observed_at: IsoDateTime


class PayoutCreate(BaseModel):
    """Pay one due obligation from a funding account (with a rate when currencies differ)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "obligation_id": "0193a4b3-1f2e-7a4b-8c5d-6e7f8091a2b3",
                    "funding_account_id": "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a90",
                }
            ]
        },
    )
    obligation_id: str = Field(min_length=1, max_length=64)
    funding_account_id: str = Field(min_length=1, max_length=64)
    fx: FxRateIn | None = None


class PayoutStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    executed = "executed"
    settled = "settled"
    returned = "returned"
    reversed = "reversed"


class PayoutRead(BaseModel):
    """A payout and where it stands."""

    id: str
    partner_id: str
    obligation_id: str
    applicant_id: str
    funding_account_id: str
    currency: str
    amount_minor: int
    status: PayoutStatus
    required_approvals: int
    approvals: list[str] = Field(description="Subjects of the approvers so far.")
    created_by: str
    end_to_end_id: str
    transfer_id: str | None
    batch_id: str | None
    fx_rate: str | None = None
    fx_source: str | None = None
    fx_debit_minor: int | None = None
    fx_residue_minor: str | None = Field(default=None, description="Exact rounding residue, a decimal string.")
    created_at: datetime


PAYOUT_STATUS_CHANGED = "payments.payout.status_changed"


class PayoutStatusChanged(BaseModel):
    """Event: a payout was executed, settled, returned or reversed (pseudonymous ids only)."""

    payout_id: str
    obligation_id: str
    applicant_id: str
    partner_id: str
    status: PayoutStatus
    currency: str
    amount_minor: int
    changed_at: datetime
