"""Eligibility errors, named after what happened."""

from __future__ import annotations

from shared.errors import NotFound


class ApplicantNotFound(NotFound):
    """No applicant with this id for the caller (other partners' applicants look the same)."""
