"""Each screening rule, pinned with names and spellings of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.screening.engine import (
    CONFIDENT_THRESHOLD,
    REVIEW_THRESHOLD,
    BirthDate,
    ListedDocument,
    ScreeningHit,
    ScreeningIndex,
    ScreeningSubject,
    SubjectDocument,
    build_screening_index,
    plain_document_key,
)
from services.eligibility.screening.engine.names import analyse_name
from services.eligibility.screening.engine.translit import spelling_skeletons
from shared.lookalikes import fold_to_latin
from tests.eligibility.screening.conftest import make_entry, make_list

# Fictional people: a rare surname, and one of the most common Russian names.
PRIBYLOV = "Vsevolod Kondrat'yevich Zhuravskiy"
PRIBYLOV_BORN = BirthDate(1968, 9, 14)
ZABIN = "Zinoviy Yefremovich Zabolotskiy"
ZABIN_BORN = BirthDate(1959, 3, 2)


def index_of(*entries: object) -> ScreeningIndex:
    return build_screening_index([make_list(*entries)])  # type: ignore[arg-type]


def hit_on(hits: list[ScreeningHit], entry_id: str) -> ScreeningHit:
    (hit,) = [hit for hit in hits if hit.entry.entry_id == entry_id]
    return hit


LISTED = index_of(make_entry("1", PRIBYLOV, born=PRIBYLOV_BORN), make_entry("2", ZABIN, born=ZABIN_BORN))


@pytest.mark.parametrize(
    ("applicant", "entry_id", "born"),
    [
        # German press: w for в, sch for ж, s for з, ow, j.
        ("Wsewolod Kondratjewitsch Schurawski", "1", date(1968, 9, 14)),
        ("Sinowi Jefremowitsch Sabolozki", "2", date(1959, 3, 2)),
        # Polish: w, ż, ł, ie, cz, sz.
        ("Wsiewołod Kondratjewicz Żurawski", "1", date(1968, 9, 14)),
        ("Zinowij Jefriemowicz Zabołocki", "2", date(1959, 3, 2)),
        # Czech: š, č, ž, j.
        ("Vsevolod Kondratjevič Žuravskij", "1", date(1968, 9, 14)),
        ("Zinovij Jefremovič Zabolockij", "2", date(1959, 3, 2)),
        # French: j for ж, ou, tch, ï.
        ("Vsevolod Kondratievitch Jouravski", "1", date(1968, 9, 14)),
        ("Zinovi Iefremovitch Zabolotski", "2", date(1959, 3, 2)),
        # Spanish and Italian press.
        ("Vsévolod Kondrátievich Zhuravski", "1", date(1968, 9, 14)),
        ("Zinovij Efremovic Zabolotskij", "2", date(1959, 3, 2)),
        # Cyrillic, and family name first.
        ("Журавский Всеволод Кондратьевич", "1", date(1968, 9, 14)),
    ],
)
def test_press_spellings_of_a_listed_person_are_confident_hits(applicant: str, entry_id: str, born: date) -> None:
    hit = hit_on(LISTED.screen(ScreeningSubject((applicant,), born)), entry_id)
    assert hit.confident


@pytest.mark.parametrize(
    "applicant",
    [
        "Всевoлод Жyрaвский",  # Latin o, y, a inside Cyrillic words
        "Bсеволод Журавcкий",  # Latin B and c
        "Vsevolod Zhuravskіy",  # Cyrillic і inside a Latin word
    ],
)
def test_look_alike_letters_from_the_other_script_are_folded_before_matching(applicant: str) -> None:
    hit = hit_on(LISTED.screen(ScreeningSubject((applicant,), date(1968, 9, 14))), "1")
    assert hit.confident


def test_the_patronymic_weighs_in_when_it_matches() -> None:
    index = index_of(make_entry("1", "Olga Vitalyevna Smirnova"))
    without = hit_on(index.screen(ScreeningSubject(("Olga Smirnova",))), "1")
    with_patronymic = hit_on(index.screen(ScreeningSubject(("Ольга Витальевна Смирнова",))), "1")
    assert REVIEW_THRESHOLD <= without.score < with_patronymic.score < CONFIDENT_THRESHOLD


def test_given_name_patronymic_and_birth_day_find_someone_under_another_family_name() -> None:
    index = index_of(make_entry("1", "Anna Gennadyevna Pribylova", born=BirthDate(1977, 1, 30)))
    hit = hit_on(index.screen(ScreeningSubject(("Anna Gennadyevna Kuzmina",), date(1977, 1, 30))), "1")
    assert hit.score >= REVIEW_THRESHOLD
    assert not hit.confident
    assert "Some name parts differ" in hit.explanation


def test_a_single_rare_name_part_with_the_birth_date_is_a_confident_hit() -> None:
    hit = hit_on(LISTED.screen(ScreeningSubject(("Schurawski",), date(1968, 9, 14))), "1")
    assert hit.confident
    assert "single name part given and the birth date agree" in hit.explanation


def test_a_single_common_name_part_with_the_birth_date_is_only_reviewed() -> None:
    index = index_of(make_entry("1", "Pyotr Ivanov", born=BirthDate(1971, 4, 4)))
    hit = hit_on(index.screen(ScreeningSubject(("Iwanow",), date(1971, 4, 4))), "1")
    assert hit.score >= REVIEW_THRESHOLD
    assert not hit.confident


def test_a_single_name_part_without_birth_date_is_reviewed_only_when_rare() -> None:
    index = index_of(make_entry("1", PRIBYLOV, born=PRIBYLOV_BORN), make_entry("2", "Pyotr Ivanov"))
    assert [hit.entry.entry_id for hit in index.screen(ScreeningSubject(("Zhuravskiy",)))] == ["1"]
    assert index.screen(ScreeningSubject(("Ivanov",))) == []


def test_a_contradicting_full_birth_date_excludes_the_namesake_with_the_reason() -> None:
    (hit,) = LISTED.screen(ScreeningSubject(("Vsevolod Kondratyevich Zhuravsky",), date(1990, 2, 11)))
    assert hit.excluded
    assert not hit.confident
    assert "contradicts the listed 1968-09-14" in hit.explanation
    assert "does not block approval" in hit.explanation


def test_day_and_month_swapped_is_not_a_contradiction() -> None:
    index = index_of(make_entry("1", PRIBYLOV, born=BirthDate(1968, 9, 4)))
    hit = hit_on(index.screen(ScreeningSubject((PRIBYLOV,), date(1968, 4, 9))), "1")
    assert not hit.excluded
    assert hit.score >= CONFIDENT_THRESHOLD


def test_an_unknown_birth_date_gives_a_review_hit_never_a_confident_one() -> None:
    hit = hit_on(LISTED.screen(ScreeningSubject((PRIBYLOV,))), "1")
    assert REVIEW_THRESHOLD <= hit.score < CONFIDENT_THRESHOLD
    assert not hit.confident
    assert "birth date is unknown" in hit.explanation


@pytest.mark.parametrize(("born", "confident"), [(BirthDate(1968), True), (BirthDate(1968, 9), True)])
def test_a_partial_birth_date_that_agrees_counts_for_a_rare_name(born: BirthDate, confident: bool) -> None:
    hit = hit_on(LISTED.screen(ScreeningSubject((PRIBYLOV,), born)), "1")
    assert hit.confident is confident
    assert not hit.excluded


def test_a_partial_birth_date_never_excludes() -> None:
    (hit,) = LISTED.screen(ScreeningSubject((PRIBYLOV,), BirthDate(1971)))
    assert not hit.excluded
    assert not hit.confident


def test_a_common_name_against_an_entry_without_birth_date_is_a_review_hit_weighted_by_commonness() -> None:
    index = index_of(make_entry("1", "Ivan Petrov"), make_entry("2", "Vsevolod Zhuravskiy"))
    common = hit_on(index.screen(ScreeningSubject(("Иван Петров",), date(1980, 6, 1))), "1")
    rare = hit_on(index.screen(ScreeningSubject(("Всеволод Журавский",), date(1980, 6, 1))), "2")
    assert REVIEW_THRESHOLD <= common.score < rare.score < CONFIDENT_THRESHOLD
    assert not common.confident
    assert not rare.confident
    assert "people in Russia are estimated to share it" in common.explanation


def test_a_matching_passport_number_is_strong_evidence_even_across_scripts() -> None:
    entry = replace(make_entry("1", PRIBYLOV), documents=(ListedDocument("Passport", "АК 4401723", "RU"),))
    index = index_of(entry)
    passport = SubjectDocument("passport", "RU", plain_document_key("RU", "AK4401723"))
    with_document = hit_on(index.screen(ScreeningSubject(("Vsevolod Zhuravsky",), None, (passport,))), "1")
    without = hit_on(index.screen(ScreeningSubject(("Vsevolod Zhuravsky",))), "1")
    assert with_document.confident
    assert not without.confident
    assert "number matches a document number on the list" in with_document.explanation


def test_a_matching_passport_is_found_even_under_another_name() -> None:
    entry = replace(make_entry("1", PRIBYLOV), documents=(ListedDocument("Passport", "71 0098765", "RU"),))
    passport = SubjectDocument("passport", "RU", plain_document_key("RU", "710098765"))
    hit = hit_on(index_of(entry).screen(ScreeningSubject(("Arkady Nosov",), None, (passport,))), "1")
    assert hit.score >= REVIEW_THRESHOLD


def test_another_passport_number_of_the_same_country_weighs_against() -> None:
    entry = replace(
        make_entry("1", PRIBYLOV, born=PRIBYLOV_BORN), documents=(ListedDocument("Passport", "71 0098765", "RU"),)
    )
    index = index_of(entry)
    other = SubjectDocument("passport", "RU", plain_document_key("RU", "71 5554433"))
    plain = hit_on(index.screen(ScreeningSubject((PRIBYLOV,), date(1968, 9, 14))), "1")
    mismatched = hit_on(index.screen(ScreeningSubject((PRIBYLOV,), date(1968, 9, 14), (other,))), "1")
    assert mismatched.score < plain.score
    assert "has another number than the listed one" in mismatched.explanation


def test_a_different_nationality_weighs_against_and_the_same_one_is_noted() -> None:
    entry = replace(make_entry("1", PRIBYLOV, born=PRIBYLOV_BORN), nationalities=("by",))
    index = index_of(entry)
    russian = hit_on(index.screen(ScreeningSubject((PRIBYLOV,), date(1968, 9, 14), (), "RU")), "1")
    belarusian = hit_on(index.screen(ScreeningSubject((PRIBYLOV,), date(1968, 9, 14), (), "BY")), "1")
    assert russian.score < belarusian.score
    assert "differs from the applicant's citizenship RU" in russian.explanation
    assert "includes the applicant's citizenship BY" in belarusian.explanation


def test_male_and_female_forms_of_a_family_name_are_different_people() -> None:
    index = index_of(make_entry("1", "Arkady Orlov", born=BirthDate(1981, 5, 5)))
    assert index.screen(ScreeningSubject(("Arkady Orlova",), date(1981, 5, 5))) == []


cyrillic_word = st.text(alphabet="абвгдежзиклмнопрстуфхцчшщыэюя", min_size=3, max_size=12)
LATIN_LOOKALIKES = str.maketrans({"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x"})


@given(word=cyrillic_word, data=st.data())
def test_a_few_latin_look_alikes_in_a_cyrillic_word_never_change_its_skeleton(word: str, data: st.DataObject) -> None:
    positions = [i for i, letter in enumerate(word) if letter in "аеорсух"]
    chosen = data.draw(st.sets(st.sampled_from(positions), max_size=2)) if positions else set()
    mixed = "".join(letter.translate(LATIN_LOOKALIKES) if i in chosen else letter for i, letter in enumerate(word))
    if len(chosen) * 2 >= len(word):
        return
    (original,) = analyse_name(word).tokens
    (folded,) = analyse_name(mixed).tokens
    assert folded.skeletons == original.skeletons


@given(word=cyrillic_word)
def test_every_cyrillic_word_has_exactly_one_skeleton(word: str) -> None:
    assert len(spelling_skeletons(word)) == 1


@given(number=st.text(alphabet="АВЕКМНОРСТУХ0123456789 -", min_size=3, max_size=14))
def test_a_document_number_in_cyrillic_look_alikes_keys_like_its_latin_twin(number: str) -> None:
    assert plain_document_key("RU", number) == plain_document_key("RU", fold_to_latin(number))
