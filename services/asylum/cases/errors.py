"""Things that can go wrong with an asylum case, named after what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.errors import Conflict, NotFound, ProblemError, TooManyRequests, Unprocessable

if TYPE_CHECKING:
    from services.asylum.cases.states import CaseState


class TransitionNotAllowed(Conflict):
    """A case was asked to move to a state its current state does not lead to."""

    def __init__(self, current: CaseState, requested: CaseState, allowed: tuple[CaseState, ...]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = allowed
        shown = ", ".join(allowed) if allowed else "none, the case is closed"
        super().__init__(
            f"A case in state '{current}' cannot move to '{requested}'; allowed: {shown}.",
            allowed=[str(s) for s in allowed],
        )


class CitizenshipPathMissing(Conflict):
    """A case without a citizenship path was asked to take a naturalisation step."""

    def __init__(self, current: CaseState, requested: CaseState, allowed: tuple[CaseState, ...]) -> None:
        self.current = current
        self.requested = requested
        self.allowed = allowed
        shown = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"The case has no citizenship path, so it cannot move to '{requested}': the approval it follows "
            "did not grant one (entitlement `citizenship_path`). A new approval that grants it opens the "
            f"naturalisation steps; allowed now: {shown}.",
            allowed=[str(s) for s in allowed],
        )


class CaseAlreadyClosed(Conflict):
    """A closed case was asked to change hands or to move on."""

    def __init__(self, state: CaseState) -> None:
        self.state = state
        super().__init__(f"The case is closed (state '{state}') and can no longer change.")


class MalformedCaseReference(Unprocessable):
    """A case reference could not be read: wrong length, characters or check character."""


class DuressSecretRejected(Unprocessable):
    """A proposed duress secret is too short, too long, or the same as the main secret."""


class DependantDecisionNotAllowed(Unprocessable):
    """A decision recorded for a dependant is not one a dependant can receive."""

    def __init__(self, decision: CaseState, allowed: tuple[CaseState, ...]) -> None:
        self.decision = decision
        self.allowed = allowed
        super().__init__(
            f"'{decision}' is not a decision for a dependant; allowed: {', '.join(allowed)}.",
            allowed=[str(s) for s in allowed],
        )


class CaseNotFound(NotFound):
    """No such case for the caller (other partners' cases, and cases not shared, look the same)."""


class DependantNotFound(NotFound):
    """No such dependant on this case."""


class DependantAlreadyOnCase(Conflict):
    """The person is already a dependant on this case."""


class AccessGrantNotFound(NotFound):
    """No such access grant on this case."""


class CaseAlreadyOpen(Conflict):
    """The partner already has a case for this applicant."""


class ApplicantNotRecognised(NotFound):
    """The reference and secret match no case (unknown reference and wrong secret look the same).

    `delay_seconds` is how long the answer waits before it is sent: a client's repeated failures slow it.
    """

    def __init__(self, detail: str, *, delay_seconds: float = 0.0) -> None:
        super().__init__(detail)
        self.delay_seconds = delay_seconds


class LookupLockedOut(TooManyRequests):
    """Too many failed attempts for this reference; wait before trying again."""


class CaseChangedMeanwhile(Conflict):
    """Someone else changed the case between reading and writing it; read it again and retry."""


class ApplicantNotApproved(Unprocessable):
    """A partner named an applicant it may not open a case for: not approved under its tenancy nor transferred to it.

    Unknown applicants and other partners' applicants answer alike, so nobody learns that an applicant exists.
    """

    status, slug, title = 422, "applicant-not-approved", "Applicant not approved under your organisation"


class HashingBusy(ProblemError):
    """Every secret-checking slot is taken and its queue is full: nothing was checked or counted; retry later."""

    status, slug, title = 503, "secret-checks-busy", "Secret checks busy"
