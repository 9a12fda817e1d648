"""Payments wire schemas: ledger, obligations, payouts, bank files and auditor views.

Amounts are always integers in minor units of their ISO 4217 currency (JPY 0 digits, USD 2, KWD 3).
Beneficiaries appear only by pseudonymous applicant ids.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.common import IsoDate, IsoDateTime, PositiveMinor

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


class ObligationStatus(StrEnum):
    waiting = "waiting"
    due = "due"
    paid = "paid"
    # Replaced by a later approval of the same applicant before it was paid; never payable.
    superseded = "superseded"


class ReleaseBasis(StrEnum):
    """What made an obligation due."""

    # Released at approval: its trigger was the approval itself.
    approval = "approval"
    # Its date came (stipend months, delayed tranches).
    due_date = "due_date"
    # Its condition happened, as an event said: arrival verified in eligibility, asylum granted.
    event = "event"
    # Released by hand on named evidence, approved by a second officer; the condition is not taken as happened.
    manual_evidence = "manual_evidence"


class ObligationRead(BaseModel):
    """Money owed to a beneficiary: a bounty tranche or a stipend month."""

    id: str
    partner_id: str
    applicant_id: str
    assessment_id: str
    key: str = Field(description="Stable key within the approval, e.g. `bounty:0:tranche:1`.")
    kind: str
    currency: str
    amount_minor: int
    trigger: str
    due_on: date | None
    status: ObligationStatus
    released_at: datetime | None
    note: str | None = Field(
        default=None,
        description="Why the amount differs from the approval (earlier payments offset, or a currency not offset), "
        "or which later approval superseded it.",
    )
    release_basis: ReleaseBasis | None = Field(
        default=None,
        description="What made it due; null while waiting (and for releases recorded before bases were kept).",
    )
    manual_release_id: str | None = Field(
        default=None, description="For a release by hand: the manual release that names its evidence."
    )


EVENT_TRIGGER = Field(
    pattern="^(verified_arrival|asylum_granted)$",
    description="The condition the tranches wait for: `verified_arrival` or `asylum_granted`.",
)


class ReleaseEvidence(BaseModel):
    """The evidence an officer names for releasing a tranche by hand."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(
        pattern="^[a-z][a-z0-9_]{1,39}$",
        description="Kind of evidence as a short code, e.g. `border_crossing_record`, `court_decision`; "
        "no personal data.",
    )
    reference: str = Field(
        min_length=1,
        max_length=500,
        description="Where the evidence is found or what it says (free text, may name people: encrypted at rest).",
    )


class ReleaseEvidenceRead(BaseModel):
    """The evidence a release by hand named, as read back."""

    kind: str
    reference: str | None = Field(description="The free-text reference; null once the partner's keys were destroyed.")


class ManualReleaseCreate(BaseModel):
    """Ask to release, by hand, an applicant's tranches waiting for a condition, on named evidence."""

    model_config = ConfigDict(extra="forbid")
    applicant_id: str = Field(min_length=1, max_length=64)
    trigger: str = EVENT_TRIGGER
    evidence: ReleaseEvidence


class ManualReleaseStatus(StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"


class ManualReleaseRead(BaseModel):
    """A release by hand: who asked, on what evidence, who approved, and which obligations it released."""

    id: str
    partner_id: str
    applicant_id: str
    trigger: str
    evidence: ReleaseEvidenceRead
    status: ManualReleaseStatus
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    released_obligation_ids: list[str] = Field(description="Obligations this release made due (once approved).")


class DueRelease(BaseModel):
    """Release every date-triggered obligation due on or before `as_of`."""

    model_config = ConfigDict(extra="forbid")
    as_of: IsoDate = Field(description="An ISO 8601 date, e.g. `2026-12-01`.")


class ReleaseResult(BaseModel):
    """Which obligations a release made due."""

    released: list[ObligationRead]


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


class TrialBalanceLine(BaseModel):
    """One account's balance in a trial balance."""

    account_id: str
    kind: AccountKind
    balance_minor: int


class TrialBalanceCurrency(BaseModel):
    """Debits and credits of one currency: they must be equal."""

    currency: str
    debits_minor: int
    credits_minor: int
    balanced: bool
    accounts: list[TrialBalanceLine]


class TrialBalance(BaseModel):
    """The trial balance of one partner, per currency, computed from the entries."""

    partner_id: str
    currencies: list[TrialBalanceCurrency]


class AccountStatement(BaseModel):
    """An account's movements in a period with opening and closing balances."""

    account: AccountRead
    since: datetime | None
    until: datetime | None
    opening_minor: int
    closing_minor: int
    entries: list[EntryRead]
    next_cursor: str | None


class BalanceCheckLine(BaseModel):
    """A stored balance next to the one recomputed from the entries."""

    account_id: str
    stored_minor: int
    recomputed_minor: int
    ok: bool


class BalanceCheck(BaseModel):
    """Whether every stored balance equals the sum of its entries."""

    partner_id: str
    ok: bool
    accounts: list[BalanceCheckLine]


class CheckpointRead(BaseModel):
    """A signed statement of the head of a partner's hash chain."""

    partner_id: str
    seq: int
    head_hash: str
    signed_at: str
    key_id: str
    signature: str


class CheckpointKey(BaseModel):
    """The public key that verifies checkpoints."""

    key_id: str
    public_key_pem: str


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
