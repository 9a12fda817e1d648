"""Testimony errors as the API reports them, named after what happened.

An error raised by one domain lives in that domain's `errors.py`; the ones below are raised by several, or
(consent's) kept here so that `consent/errors.py`, which the pure consent rules import, stays free of the web
framework. All are re-exported here for callers that handle errors across domains.
"""

from __future__ import annotations

from services.testimony.intake.errors import OriginalNotFound, TestimonyNotFound
from services.testimony.public.errors import PublicationGone
from services.testimony.publication.errors import PublicationRefused
from services.testimony.review.errors import DerivativeNotFound, RedactionRejected, ReviewerIsMaker, ReviewRefused
from shared.errors import Conflict, NotFound, Unauthorized, Unprocessable


class PublicationNotFound(NotFound):
    """No such publication (never published, or not the caller's)."""


class TokenNotRecognised(Unauthorized):
    """The token is unknown, used up or expired; nothing tells which, so tokens cannot be probed."""


class SubjectNotInTestimony(Unprocessable):
    """The person is neither the author nor a family member the testimony identifies."""


class MediaRejected(Unprocessable):
    """A media file cannot be stored or published as given."""


class ConsentRecordNotFound(NotFound):
    """No such consent record for the caller."""


class ConsentChangeRefused(Conflict):
    """The consent change does not follow from the consent's current state."""


class ConsentNotYetGiven(Conflict):
    """The token holder asked to change a consent that was never given."""


class ConsentAlreadyRecorded(Conflict):
    """This person already has a consent record for the testimony; change it instead."""


class ConsentTermsRejected(Unprocessable):
    """The consent terms contradict themselves."""


__all__ = [
    "ConsentAlreadyRecorded",
    "ConsentChangeRefused",
    "ConsentNotYetGiven",
    "ConsentRecordNotFound",
    "ConsentTermsRejected",
    "DerivativeNotFound",
    "MediaRejected",
    "OriginalNotFound",
    "PublicationGone",
    "PublicationNotFound",
    "PublicationRefused",
    "RedactionRejected",
    "ReviewRefused",
    "ReviewerIsMaker",
    "SubjectNotInTestimony",
    "TestimonyNotFound",
    "TokenNotRecognised",
]
