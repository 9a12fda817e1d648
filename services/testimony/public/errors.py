"""The public surfaces' errors as the API reports them, named after what happened."""

from __future__ import annotations

from shared.errors import Gone


class PublicationGone(Gone):
    """The publication was taken down; every public surface answers 410."""
