"""Payments wire schemas, one module per domain: ledger, obligations, payouts, bank files, audit.

Amounts are always integers in minor units of their ISO 4217 currency (JPY 0 digits, USD 2, KWD 3).
Beneficiaries appear only by pseudonymous applicant ids. Every name is re-exported here, so
`from shared.schemas.payments import PayoutRead` keeps working.
"""

from shared.schemas.payments.audit import (
    AccountStatement,
    BalanceCheck,
    BalanceCheckLine,
    CheckpointKey,
    CheckpointRead,
    TrialBalance,
    TrialBalanceCurrency,
    TrialBalanceLine,
)
from shared.schemas.payments.bank_files import (
    BankFileCreate,
    BankProfileRead,
    BankProfileSet,
    CreditTransferVersion,
    StatementImportResult,
    StatementVersion,
)
from shared.schemas.payments.ledger import (
    CURRENCY,
    AccountCreate,
    AccountKind,
    AccountRead,
    ContributionCreate,
    ContributionRead,
    EntryRead,
    ReversalCreate,
    TransferRead,
)
from shared.schemas.payments.obligations import (
    EVENT_TRIGGER,
    DueRelease,
    ManualReleaseCreate,
    ManualReleaseRead,
    ManualReleaseStatus,
    ObligationRead,
    ObligationStatus,
    ReleaseBasis,
    ReleaseEvidence,
    ReleaseEvidenceRead,
    ReleaseResult,
)
from shared.schemas.payments.payouts import (
    PAYOUT_STATUS_CHANGED,
    BankAccountRead,
    BankAccountSet,
    FxRateIn,
    PayoutCreate,
    PayoutRead,
    PayoutStatus,
    PayoutStatusChanged,
)

__all__ = [
    "CURRENCY",
    "EVENT_TRIGGER",
    "PAYOUT_STATUS_CHANGED",
    "AccountCreate",
    "AccountKind",
    "AccountRead",
    "AccountStatement",
    "BalanceCheck",
    "BalanceCheckLine",
    "BankAccountRead",
    "BankAccountSet",
    "BankFileCreate",
    "BankProfileRead",
    "BankProfileSet",
    "CheckpointKey",
    "CheckpointRead",
    "ContributionCreate",
    "ContributionRead",
    "CreditTransferVersion",
    "DueRelease",
    "EntryRead",
    "FxRateIn",
    "ManualReleaseCreate",
    "ManualReleaseRead",
    "ManualReleaseStatus",
    "ObligationRead",
    "ObligationStatus",
    "PayoutCreate",
    "PayoutRead",
    "PayoutStatus",
    "PayoutStatusChanged",
    "ReleaseBasis",
    "ReleaseEvidence",
    "ReleaseEvidenceRead",
    "ReleaseResult",
    "ReversalCreate",
    "StatementImportResult",
    "StatementVersion",
    "TransferRead",
    "TrialBalance",
    "TrialBalanceCurrency",
    "TrialBalanceLine",
]
