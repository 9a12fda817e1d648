"""Errors of registering applicants, named after what happened."""

from __future__ import annotations

from shared.errors import Unprocessable


class MainApplicantMissing(Unprocessable):
    """A family member was registered without a main applicant of the same partner."""


class CountryCodeUnknown(Unprocessable):
    """A citizenship or issuing country is not an ISO 3166-1 alpha-2 code."""
