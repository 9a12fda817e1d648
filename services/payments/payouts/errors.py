"""Payout errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class PayoutNotFound(NotFound):
    """No such payout for the caller."""


class FxRateMissing(Unprocessable):
    """The funding and payout currencies differ and no rate was given (or one was given needlessly)."""


class PayoutNotApproved(Conflict):
    """The payout still lacks approvals."""


class PayoutStateRefused(Conflict):
    """The payout is not in a state that allows this step."""


class ApproverNotDistinct(Conflict):
    """An approver who already approved tried to approve again."""


class PayoutSelfApproval(Forbidden):
    """Maker-checker: the creator of a payout tried to approve it."""
