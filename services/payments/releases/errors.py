"""Release-by-hand errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound


class ManualReleaseNotFound(NotFound):
    """No such manual release for the caller."""


class NothingWaitsForTrigger(Conflict):
    """No obligation of the applicant waits for the condition a release by hand names."""


class ManualReleaseAlreadyPending(Conflict):
    """Another request to release the same tranches by hand awaits approval."""


class ManualReleaseNotPending(Conflict):
    """The manual release was already approved."""


class ManualReleaseSelfApproval(Forbidden):
    """The officer who asked for a release by hand tried to approve it."""
