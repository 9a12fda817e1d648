"""Plain-language status text, and the ordinary-looking status shown under duress."""

import pytest

from services.asylum.cases.states import DECISION_STATES, PROTECTED_STATES, CaseState
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


@pytest.mark.parametrize("real", list(CaseState))
def test_the_duress_status_never_reveals_a_decision_or_protection(real: CaseState) -> None:
    shown = choose_duress_state(real)
    assert shown not in DECISION_STATES
    assert shown not in PROTECTED_STATES
    assert shown in {CaseState.REGISTERED, CaseState.LODGED}


def test_the_duress_status_never_shows_progress_the_case_has_not_made() -> None:
    assert choose_duress_state(CaseState.REGISTERED) is CaseState.REGISTERED
    assert choose_duress_state(CaseState.GRANTED) is CaseState.LODGED
