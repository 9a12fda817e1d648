"""Payments errors that more than one domain raises, named after what happened (each domain keeps its own
in its `errors.py`)."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class AccountNotFound(NotFound):
    """No such account for the caller (other partners' records look the same)."""


class TransferNotFound(NotFound):
    """No such transfer for the caller."""


class BankAccountMissing(Unprocessable):
    """The beneficiary has no bank account on file, so nothing can be sent to a bank."""


class AccountKindRefused(Unprocessable):
    """The account is of the wrong kind for this operation."""


class InvalidBankDetails(Unprocessable):
    """An IBAN or BIC failed validation."""
