"""The index screens against every loaded list, and fails closed when there is nothing to screen against."""

from datetime import date

import pytest

from services.eligibility.screening.engine import (
    ListSource,
    NoSanctionsListLoaded,
    SanctionsList,
    SanctionsListEmpty,
    ScreeningIndex,
    ScreeningSubject,
    ScreeningUnavailable,
    SubjectKind,
    SubjectNameMissing,
    build_screening_index,
    screen_subject,
)
from tests.eligibility.screening.conftest import make_entry, make_list

SUBJECT = ScreeningSubject(("Sergei Shoigu",), date(1955, 5, 21))


def test_screening_without_a_loaded_list_fails_closed() -> None:
    with pytest.raises(NoSanctionsListLoaded):
        screen_subject(None, SUBJECT)


def test_an_index_of_no_lists_cannot_be_built() -> None:
    with pytest.raises(NoSanctionsListLoaded):
        build_screening_index([])


def test_an_empty_list_is_refused_rather_than_screening_clean() -> None:
    empty = SanctionsList(source=ListSource.UN_SC, version="2026-09-14", entries=())
    with pytest.raises(SanctionsListEmpty, match="holds no entries"):
        build_screening_index([make_list(make_entry("1", "Somebody Else")), empty])


def test_lists_without_any_person_are_refused_rather_than_screening_clean() -> None:
    with pytest.raises(SanctionsListEmpty, match="no person"):
        build_screening_index([make_list(make_entry("1", "Example Shipping", kind=SubjectKind.ORGANISATION))])


def test_both_fail_closed_errors_are_screening_unavailable() -> None:
    assert issubclass(NoSanctionsListLoaded, ScreeningUnavailable)
    assert issubclass(SanctionsListEmpty, ScreeningUnavailable)


def test_a_subject_without_a_usable_name_is_refused() -> None:
    index = build_screening_index([make_list(make_entry("1", "Sergei Shoigu"))])
    with pytest.raises(SubjectNameMissing):
        index.screen(
            ScreeningSubject(
                ("", " - "),
            )
        )


def test_the_index_reports_the_issue_of_each_loaded_list(sample_index: ScreeningIndex) -> None:
    assert sample_index.versions == {
        ListSource.OFAC_SDN: "2026-09-16",
        ListSource.EU_FSF: "2026-09-15T18:02:11.125+02:00",
        ListSource.UN_SC: "2026-09-14T10:00:05.317Z",
    }


def test_a_new_issue_of_a_list_replaces_the_old_one() -> None:
    old = SanctionsList(ListSource.OFAC_SDN, "old", (make_entry("1", "Sergei Shoigu"),))
    new = SanctionsList(ListSource.OFAC_SDN, "new", (make_entry("2", "Anna Smirnova"),))
    index = build_screening_index([old, new])
    assert index.versions == {ListSource.OFAC_SDN: "new"}
    assert index.screen(SUBJECT) == []


def test_only_persons_are_screened() -> None:
    vessel = make_entry("1", "Sergei Shoigu", kind=SubjectKind.VESSEL)
    person = make_entry("2", "Sergei Shoigu")
    index = build_screening_index([make_list(vessel, person)])
    assert index.entry_count == 1
    assert [hit.entry.entry_id for hit in index.screen(SUBJECT)] == ["2"]


def test_the_same_person_is_found_on_every_sample_list_that_names_them(sample_index: ScreeningIndex) -> None:
    hits = sample_index.screen(ScreeningSubject(("Sergueï Choïgou",), date(1955, 5, 21)))
    assert {(hit.entry.source, hit.entry.entry_id) for hit in hits} == {
        (ListSource.OFAC_SDN, "90001"),
        (ListSource.EU_FSF, "EU.9001.01"),
    }
    assert all(hit.confident for hit in hits)


def test_an_applicant_giving_both_scripts_is_matched_on_either(sample_index: ScreeningIndex) -> None:
    subject = ScreeningSubject(("Хрущёв Дмитрий", "Dmitry Khrushchev"), date(1971, 8, 3))
    (hit,) = sample_index.screen(subject)
    assert (hit.entry.source, hit.entry.entry_id) == (ListSource.UN_SC, "XXi.001")
    assert hit.confident


def test_blocking_hits_come_best_first_and_excluded_namesakes_last(sample_index: ScreeningIndex) -> None:
    hits = sample_index.screen(ScreeningSubject(("Anton Morozov", "Sergei Shoigu"), date(1981, 1, 1)), min_score=0.0)
    blocking = [hit.score for hit in hits if not hit.excluded]
    assert blocking == sorted(blocking, reverse=True)
    assert [hit.excluded for hit in hits] == sorted(hit.excluded for hit in hits)
    assert len(hits) >= 2
    assert any(hit.excluded for hit in hits)


def test_an_unlisted_person_has_no_hits(sample_index: ScreeningIndex) -> None:
    assert sample_index.screen(ScreeningSubject(("Maria Ivanovna Sokolova",), date(1990, 1, 1))) == []
