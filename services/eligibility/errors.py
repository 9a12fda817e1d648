"""The error more than one domain raises (an unknown applicant); every domain keeps its own in its `errors.py`."""

from __future__ import annotations

from shared.errors import NotFound


class ApplicantNotFound(NotFound):
    """No applicant with this id for the caller (other partners' applicants look the same)."""
