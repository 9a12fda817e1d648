"""Errors of sanctions lists, re-screening jobs, screening hits and waivers, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class SanctionsListRejected(Unprocessable):
    """A sanctions list upload could not be read."""


class ScreeningHitNotFound(NotFound):
    """No screening hit with this id for the caller."""


class ScreeningHitNotOpen(Conflict):
    """The screening hit was already cleared or waived."""


class WaiverNotFound(NotFound):
    """No waiver with this id for the caller."""


class WaiverSelfApproval(Forbidden):
    """A waiver must be approved by someone other than its requester."""


class WaiverNotPending(Conflict):
    """The waiver was already approved."""


class RescreeningJobNotFound(NotFound):
    """No re-screening job with this id."""
