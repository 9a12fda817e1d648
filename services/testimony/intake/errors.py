"""The intake domain's errors as the API reports them, named after what happened."""

from __future__ import annotations

from shared.errors import NotFound


class TestimonyNotFound(NotFound):
    """No such testimony for the caller (other partners' records look the same)."""


class OriginalNotFound(NotFound):
    """No such original in this testimony."""
