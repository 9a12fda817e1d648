"""Things that can go wrong with an asylum case, named after what happened."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.asylum.cases.states import CaseState


class AsylumCaseError(Exception):
    """Base of every asylum case rule that was broken."""


class TransitionNotAllowed(AsylumCaseError):
    """A case was asked to move to a state its current state does not lead to."""

    def __init__(
        self, current: CaseState, requested: CaseState, allowed: tuple[CaseState, ...]
    ) -> None:
        self.current = current
        self.requested = requested
        self.allowed = allowed
        shown = ", ".join(allowed) if allowed else "none, the case is closed"
        super().__init__(
            f"a case in state '{current}' cannot move to '{requested}'; allowed: {shown}"
        )


class CaseAlreadyClosed(AsylumCaseError):
    """A closed case was asked to change hands or to move on."""

    def __init__(self, state: CaseState) -> None:
        self.state = state
        super().__init__(
            f"the case is closed (state '{state}') and can no longer change"
        )


class MalformedCaseReference(AsylumCaseError):
    """A case reference could not be read: wrong length, characters or check character."""


class DuressSecretRejected(AsylumCaseError):
    """A proposed duress secret is too short, too long, or the same as the main secret."""


class DependantDecisionNotAllowed(AsylumCaseError):
    """A decision recorded for a dependant is not one a dependant can receive."""

    def __init__(self, decision: CaseState, allowed: tuple[CaseState, ...]) -> None:
        self.decision = decision
        self.allowed = allowed
        super().__init__(
            f"'{decision}' is not a decision for a dependant; allowed: {', '.join(allowed)}"
        )
