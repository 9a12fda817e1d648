"""The case life cycle: which moves are allowed, and that nothing else ever happens."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.errors import CaseAlreadyClosed, CitizenshipPathMissing, TransitionNotAllowed
from services.asylum.cases.states import (
    INITIAL_STATE,
    NATURALISATION_STEPS,
    TERMINAL_STATES,
    TRANSITIONS,
    CaseState,
    apply_transition,
    ensure_transferable,
    is_open,
    list_allowed_transitions,
)

S = CaseState

# The life cycle as the programme describes it, written out edge by edge.
DESCRIBED_EDGES = {
    (S.REGISTERED, S.LODGED),
    (S.LODGED, S.INTERVIEW_SCHEDULED),
    (S.INTERVIEW_SCHEDULED, S.INTERVIEWED),
    (S.INTERVIEWED, S.GRANTED),
    (S.INTERVIEWED, S.REFUSED),
    (S.REFUSED, S.APPEAL_LODGED),
    (S.APPEAL_LODGED, S.APPEAL_GRANTED),
    (S.APPEAL_LODGED, S.APPEAL_REFUSED),
    (S.GRANTED, S.RESIDENCE_PERMIT),
    (S.APPEAL_GRANTED, S.RESIDENCE_PERMIT),
    (S.RESIDENCE_PERMIT, S.PERMANENT_RESIDENCE),
    (S.PERMANENT_RESIDENCE, S.CITIZENSHIP_APPLIED),
    (S.CITIZENSHIP_APPLIED, S.NATURALISED),
}


def reachable_from(start: CaseState) -> set[CaseState]:
    seen = {start}
    frontier = [start]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return seen


def test_allowed_moves_are_exactly_the_described_ones_plus_withdrawal() -> None:
    edges = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    withdrawals = {(a, S.WITHDRAWN) for a in CaseState if a not in TERMINAL_STATES}
    assert edges == DESCRIBED_EDGES | withdrawals


def test_only_naturalised_appeal_refused_and_withdrawn_are_terminal() -> None:
    assert {S.NATURALISED, S.APPEAL_REFUSED, S.WITHDRAWN} == TERMINAL_STATES


def test_every_state_is_reachable_from_registration() -> None:
    assert reachable_from(INITIAL_STATE) == set(CaseState)


def test_every_open_case_can_still_reach_a_terminal_state() -> None:
    for state in CaseState:
        assert reachable_from(state) & TERMINAL_STATES


def test_the_full_road_to_citizenship_is_allowed() -> None:
    road = [
        S.LODGED,
        S.INTERVIEW_SCHEDULED,
        S.INTERVIEWED,
        S.GRANTED,
        S.RESIDENCE_PERMIT,
        S.PERMANENT_RESIDENCE,
        S.CITIZENSHIP_APPLIED,
        S.NATURALISED,
    ]
    state = INITIAL_STATE
    for step in road:
        state = apply_transition(state, step, citizenship_path=True)
    assert state is S.NATURALISED


def test_skipping_the_interview_is_refused_with_the_allowed_moves() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        apply_transition(S.LODGED, S.GRANTED, citizenship_path=True)
    assert caught.value.current is S.LODGED
    assert caught.value.requested is S.GRANTED
    assert caught.value.allowed == (S.INTERVIEW_SCHEDULED, S.WITHDRAWN)


def test_a_refused_appeal_cannot_be_appealed_again() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        apply_transition(S.APPEAL_REFUSED, S.APPEAL_LODGED, citizenship_path=True)
    assert caught.value.allowed == ()


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_closed_cases_cannot_be_transferred(state: CaseState) -> None:
    with pytest.raises(CaseAlreadyClosed):
        ensure_transferable(state)


@pytest.mark.parametrize("state", sorted(set(CaseState) - TERMINAL_STATES))
def test_open_cases_can_be_transferred_and_withdrawn(state: CaseState) -> None:
    ensure_transferable(state)
    assert apply_transition(state, S.WITHDRAWN, citizenship_path=False) is S.WITHDRAWN


def test_allowed_moves_are_listed_in_life_cycle_order() -> None:
    order = list(CaseState)
    for state in CaseState:
        listed = list_allowed_transitions(state, citizenship_path=True)
        assert list(listed) == sorted(listed, key=order.index)
        assert set(listed) == TRANSITIONS[state]


def is_legal(state: CaseState, requested: CaseState, citizenship_path: bool = True) -> bool:
    """The described life cycle, written independently of the implementation's table."""
    if requested is S.WITHDRAWN:
        return state not in {S.NATURALISED, S.APPEAL_REFUSED, S.WITHDRAWN}
    if requested in {S.CITIZENSHIP_APPLIED, S.NATURALISED} and not citizenship_path:
        return False
    return (state, requested) in DESCRIBED_EDGES


@given(st.lists(st.sampled_from(CaseState), max_size=60), st.booleans())
def test_random_requests_never_reach_an_illegal_state(requests: list[CaseState], citizenship_path: bool) -> None:
    state = INITIAL_STATE
    path = [state]
    for requested in requests:
        if not is_legal(state, requested, citizenship_path):
            with pytest.raises((TransitionNotAllowed, CitizenshipPathMissing)) as caught:
                apply_transition(state, requested, citizenship_path=citizenship_path)
            refusal = caught.value
            assert isinstance(refusal, TransitionNotAllowed | CitizenshipPathMissing)
            assert refusal.current is state
            assert refusal.allowed == list_allowed_transitions(state, citizenship_path=citizenship_path)
            assert all(is_legal(state, allowed, citizenship_path) for allowed in refusal.allowed)
            continue
        assert is_open(state), "a terminal state let a case move on"
        state = apply_transition(state, requested, citizenship_path=citizenship_path)
        assert state is requested
        path.append(state)
    # A case never comes back to a state it has left: the life cycle has no loops.
    assert len(path) == len(set(path))
    if not citizenship_path:
        assert not set(path) & NATURALISATION_STEPS


@given(st.sampled_from(sorted(TERMINAL_STATES)), st.lists(st.sampled_from(CaseState)), st.booleans())
def test_terminal_states_stay_terminal(terminal: CaseState, requests: list[CaseState], citizenship_path: bool) -> None:
    for requested in requests:
        with pytest.raises(TransitionNotAllowed):
            apply_transition(terminal, requested, citizenship_path=citizenship_path)


def test_a_case_without_a_citizenship_path_cannot_apply_for_citizenship_and_is_told_why() -> None:
    with pytest.raises(CitizenshipPathMissing) as caught:
        apply_transition(S.PERMANENT_RESIDENCE, S.CITIZENSHIP_APPLIED, citizenship_path=False)
    assert caught.value.status == 409
    assert "no citizenship path" in caught.value.detail
    assert caught.value.allowed == (S.WITHDRAWN,)
    assert list_allowed_transitions(S.PERMANENT_RESIDENCE, citizenship_path=False) == (S.WITHDRAWN,)
    assert list_allowed_transitions(S.CITIZENSHIP_APPLIED, citizenship_path=False) == (S.WITHDRAWN,)


def test_the_naturalisation_steps_are_applying_for_citizenship_and_becoming_a_citizen() -> None:
    assert {S.CITIZENSHIP_APPLIED, S.NATURALISED} == NATURALISATION_STEPS
