"""Ledger errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Unprocessable


class InvalidAmount(Unprocessable):
    """An amount or currency breaks the ISO 4217 rules or the account's currency."""


class TransferUnbalanced(Unprocessable):
    """A transfer's entries do not sum to zero in every currency."""


class InsufficientFunds(Conflict):
    """The funding account holds less than the payout needs."""


class BalanceLimitExceeded(Conflict):
    """The transfer would take a balance beyond the documented limit (MAX_BALANCE_MINOR)."""


class TransferAlreadyReversed(Conflict):
    """A transfer can be reversed once."""


class TransferNotReversible(Conflict):
    """This kind of transfer is not corrected by reversal through the API."""
