"""Family members on a case: their relation, and a status that follows the main case."""

from enum import StrEnum

from services.asylum.cases.errors import DependantDecisionNotAllowed
from services.asylum.cases.states import CaseState

# A dependant can get their own decision, or leave the family case.
DEPENDANT_DECISIONS: tuple[CaseState, ...] = (
    CaseState.GRANTED,
    CaseState.REFUSED,
    CaseState.APPEAL_GRANTED,
    CaseState.APPEAL_REFUSED,
    CaseState.WITHDRAWN,
)


class Relation(StrEnum):
    """How a dependant is related to the main applicant."""

    SPOUSE = "spouse"
    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    OTHER = "other"
    # Known from eligibility only by id, until an officer records the relation.
    UNKNOWN = "unknown"


def check_dependant_decision(decision: CaseState) -> CaseState:
    """Return `decision` if a dependant can receive it, else raise `DependantDecisionNotAllowed`."""
    if decision not in DEPENDANT_DECISIONS:
        raise DependantDecisionNotAllowed(decision, DEPENDANT_DECISIONS)
    return decision


def derive_dependant_state(main_state: CaseState, own_decision: CaseState | None) -> CaseState:
    """Return a dependant's state: their own recorded decision, else the main case's state."""
    return own_decision if own_decision is not None else main_state
