"""Errors of erasing a partner by destroying its keys, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class ErasureConfirmationMismatch(Unprocessable):
    """The partner code typed to confirm an erasure is not the partner's code."""


class ErasureAlreadyRequested(Conflict):
    """A request to erase this partner already waits for its second operator."""


class PartnerAlreadyErased(Conflict):
    """The partner's keys were destroyed before; there is nothing left to erase."""


class ErasureRequestNotFound(NotFound):
    """No erasure request with this id."""


class ErasureNotPending(Conflict):
    """The erasure request was completed before."""


class ErasureSelfApproval(Forbidden):
    """The operator who asked for an erasure tried to approve it; a second operator must."""
