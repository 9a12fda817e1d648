"""Payments errors, named after what happened."""

from __future__ import annotations

from shared.errors import NotFound


class AccountNotFound(NotFound):
    """No such account for the caller (other partners' records look the same)."""
