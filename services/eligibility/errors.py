"""Errors of applicants, bulk intake and re-screening jobs, named after what happened (the other domains keep
theirs in their own `errors.py`)."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class ApplicantNotFound(NotFound):
    """No applicant with this id for the caller (other partners' applicants look the same)."""


class MainApplicantMissing(Unprocessable):
    """A family member was registered without a main applicant of the same partner."""


class DuplicateConflictNotFound(NotFound):
    """No duplicate conflict with this reference that concerns the caller."""


class DuplicateAlreadyResolved(Conflict):
    """The duplicate conflict was resolved before."""


class IntakeJobNotFound(NotFound):
    """No intake job with this id for the caller."""


class RescreeningJobNotFound(NotFound):
    """No re-screening job with this id."""


class IntakeUploadUnreadable(Unprocessable):
    """The bulk upload is empty, too large or not in the announced format."""


class CountryCodeUnknown(Unprocessable):
    """A citizenship or issuing country is not an ISO 3166-1 alpha-2 code."""
