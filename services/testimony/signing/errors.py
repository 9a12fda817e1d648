"""Errors raised while signing or verifying, each named after what happened."""


class SigningError(Exception):
    """Base of every signing error."""


class SigningKeyUnreadable(SigningError):
    """A key could not be read as an Ed25519 key in PEM or JWK form."""


class SignatureInvalid(SigningError):
    """A signed document was altered, was signed by another key, or is not the kind expected."""


class ItemContentMismatch(SigningError):
    """A downloaded item's bytes are not the ones its manifest vouches for."""


class ItemFormatUnrecognised(SigningError):
    """A downloaded file is neither an item document nor a part named by a manifest."""
