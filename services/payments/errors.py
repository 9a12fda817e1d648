"""Payments errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class AccountNotFound(NotFound):
    """No such account for the caller (other partners' records look the same)."""


class TransferNotFound(NotFound):
    """No such transfer for the caller."""


class ObligationNotFound(NotFound):
    """No such obligation for the caller."""


class PayoutNotFound(NotFound):
    """No such payout for the caller."""


class BankAccountMissing(Unprocessable):
    """The beneficiary has no bank account on file, so nothing can be sent to a bank."""


class InvalidAmount(Unprocessable):
    """An amount or currency breaks the ISO 4217 rules or the account's currency."""


class TransferUnbalanced(Unprocessable):
    """A transfer's entries do not sum to zero in every currency."""


class AccountKindRefused(Unprocessable):
    """The account is of the wrong kind for this operation."""


class FxRateMissing(Unprocessable):
    """The funding and payout currencies differ and no rate was given (or one was given needlessly)."""


class InvalidBankDetails(Unprocessable):
    """An IBAN or BIC failed validation."""


class InvalidBankFile(Unprocessable):
    """A bank file could not be built or read."""


class StatementVersionRefused(Unprocessable):
    """A statement arrived in another camt.053 version than the partner's bank profile names."""


class InvalidEntitlements(Unprocessable):
    """An approval's entitlements cannot be turned into obligations."""


class InsufficientFunds(Conflict):
    """The funding account holds less than the payout needs."""


class BalanceLimitExceeded(Conflict):
    """The transfer would take a balance beyond the documented limit (MAX_BALANCE_MINOR)."""


class ObligationNotDue(Conflict):
    """The obligation is still waiting for its trigger."""


class ObligationAlreadyPaid(Conflict):
    """The obligation already has a payout that is pending, executed or settled."""


class ObligationSuperseded(Conflict):
    """A later approval of the applicant replaced the obligation before it was paid; it is never paid."""


class PayoutNotApproved(Conflict):
    """The payout still lacks approvals."""


class PayoutStateRefused(Conflict):
    """The payout is not in a state that allows this step."""


class ApproverNotDistinct(Conflict):
    """An approver who already approved tried to approve again."""


class PayoutSelfApproval(Forbidden):
    """Maker-checker: the creator of a payout tried to approve it."""


class TransferAlreadyReversed(Conflict):
    """A transfer can be reversed once."""


class ManualReleaseNotFound(NotFound):
    """No such manual release for the caller."""


class NothingWaitsForTrigger(Conflict):
    """No obligation of the applicant waits for the condition a release by hand names."""


class ManualReleaseAlreadyPending(Conflict):
    """Another request to release the same tranches by hand awaits approval."""


class ManualReleaseNotPending(Conflict):
    """The manual release was already approved."""


class ManualReleaseSelfApproval(Forbidden):
    """The officer who asked for a release by hand tried to approve it."""


class TransferNotReversible(Conflict):
    """This kind of transfer is not corrected by reversal through the API."""
