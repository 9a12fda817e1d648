"""Plain-language status text, and the ordinary-looking status shown under duress."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.states import (
    DECISION_STATES,
    INITIAL_STATE,
    PROTECTED_STATES,
    CaseState,
    list_allowed_transitions,
)
from services.asylum.cases.wording import Language, choose_duress_state, describe_status


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("state", list(CaseState))
def test_every_state_has_a_status_and_a_next_step(state: CaseState, language: Language) -> None:
    wording = describe_status(state, language)
    assert wording.status.strip()
    assert wording.next_step.strip()


@pytest.mark.parametrize("language", list(Language))
def test_no_two_states_read_the_same(language: Language) -> None:
    texts = [describe_status(state, language).status for state in CaseState]
    assert len(set(texts)) == len(texts)


def test_status_text_names_no_internal_state_code() -> None:
    for state in CaseState:
        wording = describe_status(state)
        assert "_" not in wording.status + wording.next_step


@st.composite
def histories(draw: st.DrawFn) -> list[CaseState]:
    """A random walk through the life cycle from registration: the states a case has really been in."""
    walk = [INITIAL_STATE]
    for _ in range(draw(st.integers(0, 12))):
        allowed = list_allowed_transitions(walk[-1])
        if not allowed:
            break
        walk.append(draw(st.sampled_from(allowed)))
    return walk


@given(histories())
def test_the_duress_status_never_reveals_a_decision_or_protection(history: list[CaseState]) -> None:
    shown = choose_duress_state(history)
    assert shown not in DECISION_STATES
    assert shown not in PROTECTED_STATES
    assert shown in {CaseState.REGISTERED, CaseState.LODGED}


@given(histories())
def test_the_duress_status_never_shows_progress_the_case_has_not_made(history: list[CaseState]) -> None:
    shown = choose_duress_state(history)
    assert shown in history
    # The furthest ordinary-looking step the case really took: lodged once lodged, else registered.
    assert shown is (CaseState.LODGED if CaseState.LODGED in history else CaseState.REGISTERED)


def test_a_case_withdrawn_straight_from_registration_shows_registered_under_duress() -> None:
    assert choose_duress_state([CaseState.REGISTERED, CaseState.WITHDRAWN]) is CaseState.REGISTERED
