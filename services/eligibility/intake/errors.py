"""Errors of bulk intake, named after what happened."""

from __future__ import annotations

from shared.errors import NotFound, Unprocessable


class IntakeJobNotFound(NotFound):
    """No intake job with this id for the caller."""


class IntakeUploadUnreadable(Unprocessable):
    """The bulk upload is empty, too large or not in the announced format."""
