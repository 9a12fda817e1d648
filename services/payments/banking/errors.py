"""Banking errors, named after what happened."""

from __future__ import annotations

from shared.errors import Unprocessable


class InvalidBankFile(Unprocessable):
    """A bank file could not be built or read."""


class StatementVersionRefused(Unprocessable):
    """A statement arrived in another camt.053 version than the partner's bank profile names."""
