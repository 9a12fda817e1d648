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
from services.asylum.cases.tracks import Track
from services.asylum.cases.wording import Language, choose_duress_state, describe_status

KINDS_OF_CASE = [(track, path) for track in Track for path in (True, False)]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("state", list(CaseState))
@pytest.mark.parametrize(("track", "citizenship_path"), KINDS_OF_CASE)
def test_every_state_has_a_status_and_a_next_step(
    state: CaseState, language: Language, track: Track, citizenship_path: bool
) -> None:
    wording = describe_status(state, language, track=track, citizenship_path=citizenship_path)
    assert wording.status.strip()
    assert wording.next_step.strip()


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("track", "citizenship_path"), KINDS_OF_CASE)
def test_no_two_states_read_the_same(language: Language, track: Track, citizenship_path: bool) -> None:
    texts = [
        describe_status(state, language, track=track, citizenship_path=citizenship_path).status for state in CaseState
    ]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(("track", "citizenship_path"), KINDS_OF_CASE)
def test_status_text_names_no_internal_state_code(track: Track, citizenship_path: bool) -> None:
    for state in CaseState:
        wording = describe_status(state, track=track, citizenship_path=citizenship_path)
        assert "_" not in wording.status + wording.next_step


# How each language names asylum: a residence case must never use these words.
ASYLUM_WORDS = {Language.EN: ("asylum",), Language.RU: ("убежищ",)}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("state", list(CaseState))
def test_a_residence_case_speaks_of_residence_never_of_asylum(state: CaseState, language: Language) -> None:
    wording = describe_status(state, language, track=Track.RESIDENCE, citizenship_path=False)
    text = (wording.status + " " + wording.next_step).lower()
    assert not [word for word in ASYLUM_WORDS[language] if word in text]


def test_a_residence_case_reads_as_a_residence_permit_application() -> None:
    lodged = describe_status(CaseState.LODGED, track=Track.RESIDENCE, citizenship_path=False)
    granted = describe_status(CaseState.GRANTED, Language.RU, track=Track.RESIDENCE, citizenship_path=False)
    assert lodged.status == "Your residence permit application has been received and is being reviewed."
    assert granted.status == "Ваше заявление на вид на жительство одобрено."
    assert describe_status(CaseState.GRANTED, track=Track.ASYLUM, citizenship_path=False).status == (
        "You have been granted asylum."
    )


# How each language names citizenship: a case without a citizenship path is never pointed toward it.
CITIZENSHIP_WORDS = {Language.EN: ("citizen",), Language.RU: ("гражданств",)}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("track", list(Track))
def test_a_case_without_a_citizenship_path_is_never_pointed_toward_citizenship(
    language: Language, track: Track
) -> None:
    reachable = set(CaseState) - {CaseState.CITIZENSHIP_APPLIED, CaseState.NATURALISED}
    for state in reachable:
        wording = describe_status(state, language, track=track, citizenship_path=False)
        text = (wording.status + " " + wording.next_step).lower()
        assert not [word for word in CITIZENSHIP_WORDS[language] if word in text], state


@st.composite
def histories(draw: st.DrawFn) -> list[CaseState]:
    """A random walk through the life cycle from registration: the states a case has really been in."""
    walk = [INITIAL_STATE]
    for _ in range(draw(st.integers(0, 12))):
        allowed = list_allowed_transitions(walk[-1], citizenship_path=True)
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
