"""Errors raised while making a publishable derivative, each named after what happened."""


class DerivativeError(Exception):
    """Base of every derivative error."""


class RedactionSpanOutOfRange(DerivativeError):
    """A redaction span does not lie inside the text."""


class MediaUnreadable(DerivativeError):
    """The bytes could not be decoded as the media they claim to be."""


class MediaTypeNotPublishable(DerivativeError):
    """This kind of media cannot be published (unsupported format, animation, or too large to decode safely)."""


class MediaStrippingUnavailable(DerivativeError):
    """No maintained tool is configured to strip this media's metadata, so it is refused for publication."""


class MediaMetadataRemains(DerivativeError):
    """Metadata was still present after stripping; the derivative is withheld."""
