"""The wire schemas name exactly the states and relations the domain knows."""

from __future__ import annotations

from typing import get_args

from services.asylum.cases.dependants import Relation
from services.asylum.cases.states import CaseState
from services.asylum.cases.tracks import Track
from services.asylum.cases.wording import Language
from shared.schemas.asylum import CaseStateName, LanguageCode, RelationName, TrackName


def test_wire_states_are_the_domain_states() -> None:
    assert list(get_args(CaseStateName)) == [s.value for s in CaseState]


def test_wire_relations_are_the_domain_relations() -> None:
    assert list(get_args(RelationName)) == [r.value for r in Relation]


def test_wire_languages_are_the_languages_with_wording() -> None:
    assert list(get_args(LanguageCode)) == [lang.value for lang in Language]


def test_wire_tracks_are_the_domain_tracks() -> None:
    assert list(get_args(TrackName)) == [t.value for t in Track]
