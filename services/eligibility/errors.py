"""Errors more than one domain raises (an unknown applicant), and for now those of bulk intake and re-screening
jobs; every other domain keeps its own in its `errors.py`."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class ApplicantNotFound(NotFound):
    """No applicant with this id for the caller (other partners' applicants look the same)."""


class IntakeJobNotFound(NotFound):
    """No intake job with this id for the caller."""


class RescreeningJobNotFound(NotFound):
    """No re-screening job with this id."""


class IntakeUploadUnreadable(Unprocessable):
    """The bulk upload is empty, too large or not in the announced format."""
