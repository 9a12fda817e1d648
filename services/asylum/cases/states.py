"""The asylum case life cycle: its states and the transitions allowed between them."""

from collections.abc import Mapping
from enum import StrEnum

from services.asylum.cases.errors import CaseAlreadyClosed, CitizenshipPathMissing, TransitionNotAllowed


class CaseState(StrEnum):
    """Where an asylum case stands."""

    REGISTERED = "registered"
    LODGED = "lodged"
    INTERVIEW_SCHEDULED = "interview_scheduled"
    INTERVIEWED = "interviewed"
    GRANTED = "granted"
    REFUSED = "refused"
    APPEAL_LODGED = "appeal_lodged"
    APPEAL_GRANTED = "appeal_granted"
    APPEAL_REFUSED = "appeal_refused"
    RESIDENCE_PERMIT = "residence_permit"
    PERMANENT_RESIDENCE = "permanent_residence"
    CITIZENSHIP_APPLIED = "citizenship_applied"
    NATURALISED = "naturalised"
    WITHDRAWN = "withdrawn"


INITIAL_STATE = CaseState.REGISTERED

# Forward moves only; withdrawal is added for every open state below.  A grant on appeal
# is protection like a first-instance grant, so it leads on to the residence permit too.
_FORWARD: Mapping[CaseState, frozenset[CaseState]] = {
    CaseState.REGISTERED: frozenset({CaseState.LODGED}),
    CaseState.LODGED: frozenset({CaseState.INTERVIEW_SCHEDULED}),
    CaseState.INTERVIEW_SCHEDULED: frozenset({CaseState.INTERVIEWED}),
    CaseState.INTERVIEWED: frozenset({CaseState.GRANTED, CaseState.REFUSED}),
    CaseState.REFUSED: frozenset({CaseState.APPEAL_LODGED}),
    CaseState.APPEAL_LODGED: frozenset({CaseState.APPEAL_GRANTED, CaseState.APPEAL_REFUSED}),
    CaseState.GRANTED: frozenset({CaseState.RESIDENCE_PERMIT}),
    CaseState.APPEAL_GRANTED: frozenset({CaseState.RESIDENCE_PERMIT}),
    CaseState.RESIDENCE_PERMIT: frozenset({CaseState.PERMANENT_RESIDENCE}),
    CaseState.PERMANENT_RESIDENCE: frozenset({CaseState.CITIZENSHIP_APPLIED}),
    CaseState.CITIZENSHIP_APPLIED: frozenset({CaseState.NATURALISED}),
    CaseState.NATURALISED: frozenset(),
    CaseState.APPEAL_REFUSED: frozenset(),
    CaseState.WITHDRAWN: frozenset(),
}

TERMINAL_STATES: frozenset[CaseState] = frozenset(s for s, nxt in _FORWARD.items() if not nxt)

TRANSITIONS: Mapping[CaseState, frozenset[CaseState]] = {
    state: (nxt | {CaseState.WITHDRAWN}) if state not in TERMINAL_STATES else nxt for state, nxt in _FORWARD.items()
}

DECISION_STATES: frozenset[CaseState] = frozenset(
    {
        CaseState.GRANTED,
        CaseState.REFUSED,
        CaseState.APPEAL_GRANTED,
        CaseState.APPEAL_REFUSED,
    }
)

# States in which the applicant holds protection (for tranches waiting on "granted").
PROTECTED_STATES: frozenset[CaseState] = frozenset(
    {
        CaseState.GRANTED,
        CaseState.APPEAL_GRANTED,
        CaseState.RESIDENCE_PERMIT,
        CaseState.PERMANENT_RESIDENCE,
        CaseState.CITIZENSHIP_APPLIED,
        CaseState.NATURALISED,
    }
)

# The steps toward citizenship: open only to a case whose approval granted a citizenship path.
NATURALISATION_STEPS: frozenset[CaseState] = frozenset({CaseState.CITIZENSHIP_APPLIED, CaseState.NATURALISED})

_ORDER: Mapping[CaseState, int] = {state: i for i, state in enumerate(CaseState)}


def list_allowed_transitions(state: CaseState, *, citizenship_path: bool) -> tuple[CaseState, ...]:
    """Return the states a case in `state` may move to, in life-cycle order.

    Without a citizenship path the naturalisation steps are left out.
    """
    allowed = TRANSITIONS[state] if citizenship_path else TRANSITIONS[state] - NATURALISATION_STEPS
    return tuple(sorted(allowed, key=_ORDER.__getitem__))


def is_open(state: CaseState) -> bool:
    """Tell whether a case in `state` can still move (and so be withdrawn or transferred)."""
    return state not in TERMINAL_STATES


def apply_transition(state: CaseState, requested: CaseState, *, citizenship_path: bool) -> CaseState:
    """Return the new state after moving to `requested`.

    Raises `TransitionNotAllowed` for a move the life cycle does not have, and `CitizenshipPathMissing` for a
    naturalisation step of a case without a citizenship path.
    """
    allowed = list_allowed_transitions(state, citizenship_path=citizenship_path)
    if requested not in TRANSITIONS[state]:
        raise TransitionNotAllowed(state, requested, allowed)
    if requested not in allowed:
        raise CitizenshipPathMissing(state, requested, allowed)
    return requested


def ensure_transferable(state: CaseState) -> None:
    """Raise `CaseAlreadyClosed` unless a case in `state` may move to another partner."""
    if not is_open(state):
        raise CaseAlreadyClosed(state)
