"""Dependants follow the main case until a decision of their own is recorded."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.dependants import (
    DEPENDANT_DECISIONS,
    check_dependant_decision,
    derive_dependant_state,
)
from services.asylum.cases.errors import DependantDecisionNotAllowed
from services.asylum.cases.states import CaseState


@given(st.sampled_from(CaseState))
def test_a_dependant_without_a_decision_shares_the_main_case_state(main: CaseState) -> None:
    assert derive_dependant_state(main, None) is main


@given(st.sampled_from(CaseState), st.sampled_from(DEPENDANT_DECISIONS))
def test_a_recorded_decision_wins_over_the_main_case(main: CaseState, decision: CaseState) -> None:
    assert derive_dependant_state(main, decision) is decision


def test_a_child_refused_on_their_own_stays_refused_when_the_parent_is_granted() -> None:
    assert derive_dependant_state(CaseState.GRANTED, CaseState.REFUSED) is CaseState.REFUSED


@pytest.mark.parametrize("decision", sorted(set(CaseState) - set(DEPENDANT_DECISIONS)))
def test_only_decisions_and_withdrawal_can_be_recorded_for_a_dependant(
    decision: CaseState,
) -> None:
    with pytest.raises(DependantDecisionNotAllowed) as caught:
        check_dependant_decision(decision)
    assert caught.value.allowed == DEPENDANT_DECISIONS


@pytest.mark.parametrize("decision", DEPENDANT_DECISIONS)
def test_decisions_for_dependants_are_accepted(decision: CaseState) -> None:
    assert check_dependant_decision(decision) is decision
