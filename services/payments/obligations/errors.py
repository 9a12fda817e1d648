"""Obligation errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class ObligationNotFound(NotFound):
    """No such obligation for the caller."""


class InvalidEntitlements(Unprocessable):
    """An approval's entitlements cannot be turned into obligations."""


class ObligationNotDue(Conflict):
    """The obligation is still waiting for its trigger."""


class ObligationAlreadyPaid(Conflict):
    """The obligation already has a payout that is pending, executed or settled."""


class ObligationSuperseded(Conflict):
    """A later approval of the applicant replaced the obligation before it was paid; it is never paid."""
