"""The publication domain's errors as the API reports them, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict


class PublicationRefused(Conflict):
    """The derivative may not be published now; `allowed` lists what is missing."""
