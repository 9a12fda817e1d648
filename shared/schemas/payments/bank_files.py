"""Bank files on the wire: the partner's bank profile, credit-transfer files and statement imports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate


class CreditTransferVersion(StrEnum):
    """The ISO 20022 pain.001 (customer credit transfer initiation) versions payments writes."""

    v03 = "pain.001.001.03"
    v09 = "pain.001.001.09"


class StatementVersion(StrEnum):
    """The ISO 20022 camt.053 (bank-to-customer statement) versions payments reads."""

    v02 = "camt.053.001.02"
    v08 = "camt.053.001.08"


class BankProfileSet(BaseModel):
    """The message versions the partner's bank takes for credit transfers and sends as statements."""

    model_config = ConfigDict(extra="forbid")
    credit_transfer_version: CreditTransferVersion = Field(
        description="The pain.001 version of the files `POST /v1/bank-files` builds."
    )
    statement_version: StatementVersion = Field(
        description="The camt.053 version `POST /v1/bank-statements` accepts; statements in another version are "
        "refused."
    )


class BankProfileRead(BankProfileSet):
    """The partner's bank profile in force."""

    is_default: bool = Field(description="True while the partner has set no profile and the default applies.")
    updated_by: str | None = Field(description="Who set the profile; null for the default.")
    updated_at: datetime | None = Field(description="When the profile was set; null for the default.")


class BankFileCreate(BaseModel):
    """Export the executed payouts of one funding account that are in no bank file yet."""

    model_config = ConfigDict(extra="forbid")
    funding_account_id: str = Field(min_length=1, max_length=64)
    execution_date: IsoDate


class StatementImportResult(BaseModel):
    """What a camt.053 import did with each booked entry, by end-to-end id."""

    settled: list[str] = Field(description="Executed payouts this statement settled.")
    returned: list[str] = Field(description="Payouts this statement returned; their transfers were reversed.")
    unknown: list[str] = Field(description="Entries naming no executed payout of the caller.")
    mismatched: list[str] = Field(
        default_factory=list,
        description="Entries whose amount or currency differs from their payout; the payout was left unchanged.",
    )
    unchanged: list[str] = Field(
        default_factory=list,
        description="Entries for payouts already settled, returned or reversed (e.g. a statement imported twice); "
        "nothing changed.",
    )
