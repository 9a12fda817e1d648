"""The review domain's errors as the API reports them, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class DerivativeNotFound(NotFound):
    """No such derivative for the caller."""


class RedactionRejected(Unprocessable):
    """A redaction span or term does not fit the original text."""


class ReviewRefused(Conflict):
    """The review does not apply: stale content hash, or the same reviewer twice."""


class ReviewerIsMaker(Forbidden):
    """Maker-checker: whoever made a derivative tried to review it."""
