"""Asylum errors, named after what happened."""

from __future__ import annotations

from shared.errors import NotFound


class CaseNotFound(NotFound):
    """No such case for the caller (other partners' records look the same)."""
