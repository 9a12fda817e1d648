"""Errors of duplicate conflicts across partners, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, NotFound


class DuplicateConflictNotFound(NotFound):
    """No duplicate conflict with this reference that concerns the caller."""


class DuplicateAlreadyResolved(Conflict):
    """The duplicate conflict was resolved before."""
