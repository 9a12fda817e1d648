"""Auditor views on the wire: trial balance, account statements, balance checks and signed checkpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.schemas.payments.ledger import AccountKind, AccountRead, EntryRead


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
