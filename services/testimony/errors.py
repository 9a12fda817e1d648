"""Testimony errors as the API reports them, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, Gone, NotFound, Unauthorized, Unprocessable


class TestimonyNotFound(NotFound):
    """No such testimony for the caller (other partners' records look the same)."""


class OriginalNotFound(NotFound):
    """No such original in this testimony."""


class ConsentRecordNotFound(NotFound):
    """No such consent record for the caller."""


class DerivativeNotFound(NotFound):
    """No such derivative for the caller."""


class PublicationNotFound(NotFound):
    """No such publication (never published, or not the caller's)."""


class PublicationGone(Gone):
    """The publication was taken down; every public surface answers 410."""


class TokenNotRecognised(Unauthorized):
    """The token is unknown, used up or expired; nothing tells which, so tokens cannot be probed."""


class ConsentChangeRefused(Conflict):
    """The consent change does not follow from the consent's current state."""


class ConsentNotYetGiven(Conflict):
    """The token holder asked to change a consent that was never given."""


class ConsentAlreadyRecorded(Conflict):
    """This person already has a consent record for the testimony; change it instead."""


class ConsentTermsRejected(Unprocessable):
    """The consent terms contradict themselves."""


class SubjectNotInTestimony(Unprocessable):
    """The person is neither the author nor a family member the testimony identifies."""


class RedactionRejected(Unprocessable):
    """A redaction span or term does not fit the original text."""


class MediaRejected(Unprocessable):
    """A media file cannot be stored or published as given."""


class ReviewRefused(Conflict):
    """The review does not apply: stale content hash, or the same reviewer twice."""


class ReviewerIsMaker(Forbidden):
    """Maker-checker: whoever made a derivative tried to review it."""


class PublicationRefused(Conflict):
    """The derivative may not be published now; `allowed` lists what is missing."""
