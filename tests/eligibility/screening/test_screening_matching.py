"""Names meet across scripts and romanisations; patronymics and birth dates weigh as they should."""

from dataclasses import replace
from datetime import date

import iuliia
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.screening.engine import (
    CONFIDENT_THRESHOLD,
    REVIEW_THRESHOLD,
    BirthDate,
    ScreeningSubject,
    build_screening_index,
)
from services.eligibility.screening.engine.name_comparison import compare_names, compare_tokens
from services.eligibility.screening.engine.names import NameToken, analyse_name
from tests.eligibility.screening.conftest import make_entry, make_list

SPELLINGS = ["Шойгу", "Shoigu", "Schoigu", "Choïgou"]
SHOIGU_BORN = BirthDate(1955, 5, 21)


def token(text: str) -> NameToken:
    (only,) = analyse_name(text).tokens
    return only


@pytest.mark.parametrize("left", SPELLINGS)
@pytest.mark.parametrize("right", SPELLINGS)
def test_the_four_spellings_of_shoigu_are_the_same_name(left: str, right: str) -> None:
    score, reason = compare_tokens(token(left), token(right))
    assert score == 1.0
    assert reason in {"identical", "the same name in another transliteration"}


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Евгений", "Yevgeny"),
        ("Jewgeni", "Evgeny"),
        ("Лавров", "Lawrow"),
        ("Medvedev", "Medwedew"),
        ("Хрущёв", "Khrouchtchev"),
        ("Сергеевич", "Sergeyevich"),
        ("Dmitrij", "Дмитрий"),
        ("Жуков", "Joukov"),
    ],
)
def test_common_romanisations_of_russian_names_are_the_same_name(left: str, right: str) -> None:
    assert compare_tokens(token(left), token(right)) == (1.0, "the same name in another transliteration")


def test_a_transliteration_that_differs_in_a_vowel_is_still_similar() -> None:
    score, reason = compare_tokens(token("Лёвкин"), token("Lowkin"))
    assert CONFIDENT_THRESHOLD <= score < 1.0
    assert reason.startswith("similar spelling")


@pytest.mark.parametrize("listed", SPELLINGS)
@pytest.mark.parametrize("applicant", SPELLINGS)
def test_an_applicant_spelled_one_way_is_a_confident_hit_on_an_entry_spelled_another(
    listed: str, applicant: str
) -> None:
    given_names = {"Шойгу": "Сергей", "Shoigu": "Sergei", "Schoigu": "Sergej", "Choïgou": "Sergueï"}
    index = build_screening_index([make_list(make_entry("1", f"{given_names[listed]} {listed}", born=SHOIGU_BORN))])
    hits = index.screen(ScreeningSubject((f"{given_names[applicant]} {applicant}",), date(1955, 5, 21)))
    assert [hit.entry.entry_id for hit in hits] == ["1"]
    assert hits[0].confident


@pytest.mark.parametrize(
    ("applicant", "listed", "patronymic"),
    [
        ("Sergei Shoigu", "Sergei Kuzhugetovich Shoigu", "kuzhugetovich"),
        ("Sergei Kuzhugetovich Shoigu", "Sergei Shoigu", "kuzhugetovich"),
        ("Сергей Кужугетович Шойгу", "Sergei Shoigu", "кужугетович"),
        ("Sergej Schoigu", "SHOIGU, Sergei Kuzhugetovich", "kuzhugetovich"),
    ],
)
def test_a_patronymic_present_on_one_side_only_still_gives_a_confident_hit(
    applicant: str, listed: str, patronymic: str
) -> None:
    index = build_screening_index([make_list(make_entry("1", listed, born=SHOIGU_BORN))])
    (hit,) = index.screen(ScreeningSubject((applicant,), date(1955, 5, 21)))
    assert hit.confident
    assert f"patronymic '{patronymic}' appears only in the" in hit.explanation


def test_word_order_does_not_matter() -> None:
    index = build_screening_index([make_list(make_entry("1", "Sergei Kuzhugetovich Shoigu", born=SHOIGU_BORN))])
    (hit,) = index.screen(ScreeningSubject(("SHOIGU Sergei Kuzhugetovich",), date(1955, 5, 21)))
    assert hit.score == 1.0


def test_a_different_patronymic_is_not_a_confident_hit() -> None:
    index = build_screening_index([make_list(make_entry("1", "Sergei Kuzhugetovich Shoigu", born=SHOIGU_BORN))])
    (hit,) = index.screen(ScreeningSubject(("Sergei Ivanovich Shoigu",), date(1955, 5, 21)))
    assert not hit.confident
    assert "patronymics differ" in hit.explanation


def test_the_same_name_with_another_full_birth_date_is_excluded_with_the_reason() -> None:
    index = build_screening_index([make_list(make_entry("1", "Sergei Kuzhugetovich Shoigu", born=SHOIGU_BORN))])
    same_day = index.screen(ScreeningSubject(("Sergei Kuzhugetovich Shoigu",), date(1955, 5, 21)))
    (other_day,) = index.screen(ScreeningSubject(("Sergei Kuzhugetovich Shoigu",), date(1972, 11, 3)))
    assert same_day[0].confident
    assert not same_day[0].excluded
    assert other_day.excluded
    assert not other_day.confident
    assert "contradicts the listed 1955-05-21" in other_day.explanation
    assert "does not block approval" in other_day.explanation


@pytest.mark.parametrize(
    "applicant",
    ["Anna Smirnova", "Ivan Petrov", "Sergei Lavrov", "Pavel Shoikhet", "Mikhail Schuster"],
)
def test_unrelated_names_do_not_match(applicant: str) -> None:
    index = build_screening_index([make_list(make_entry("1", "Sergei Kuzhugetovich Shoigu", born=SHOIGU_BORN))])
    hits = index.screen(ScreeningSubject((applicant,), date(1955, 5, 21)))
    assert all(not hit.confident for hit in hits)
    assert all(hit.score < REVIEW_THRESHOLD for hit in index.screen(ScreeningSubject((applicant,)), min_score=0.0))


def test_a_surname_that_only_looks_like_a_patronymic_still_counts() -> None:
    comparison = compare_names(analyse_name("Roman Petrov"), analyse_name("Roman Arkadyevich Abramovich"))
    assert comparison.score < REVIEW_THRESHOLD


def test_the_explanation_names_the_list_the_names_and_the_tokens_that_met() -> None:
    index = build_screening_index([make_list(make_entry("90001", "Sergei Kuzhugetovich SHOIGU", born=SHOIGU_BORN))])
    (hit,) = index.screen(ScreeningSubject(("Sergueï Choïgou",), date(1955, 5, 21)))
    assert "OFAC SDN entry 90001" in hit.explanation
    assert "'Sergueï Choïgou'" in hit.explanation
    assert "'Sergei Kuzhugetovich SHOIGU'" in hit.explanation
    assert "'choïgou' matches 'shoigu': the same name in another transliteration" in hit.explanation
    assert "'sergueï' matches 'sergei'" in hit.explanation
    assert "birth date 1955-05-21 matches the listed 1955-05-21" in hit.explanation
    assert (hit.subject_name, hit.listed_name) == ("Sergueï Choïgou", "Sergei Kuzhugetovich SHOIGU")


def test_a_hit_on_a_weak_alias_scores_below_the_same_hit_on_a_strong_name() -> None:
    strong = make_entry("1", "Sergej Schoigu", born=SHOIGU_BORN)
    entry = make_entry("2", "Somebody Else", "Sergej Schoigu", born=SHOIGU_BORN)
    weak = replace(entry, names=(entry.names[0], replace(entry.names[1], is_weak=True)))
    index = build_screening_index([make_list(strong, weak)])
    hits = {hit.entry.entry_id: hit for hit in index.screen(ScreeningSubject(("Sergej Schoigu",), date(1955, 5, 21)))}
    assert hits["2"].score < hits["1"].score
    assert "weak alias" in hits["2"].explanation


name_part = st.text(alphabet="abcdefghijklmnoprstuvz", min_size=3, max_size=10)


@given(parts=st.lists(name_part, min_size=1, max_size=4), other=st.lists(name_part, min_size=1, max_size=4))
def test_a_name_always_matches_itself_fully_and_scores_stay_between_zero_and_one(
    parts: list[str], other: list[str]
) -> None:
    name = analyse_name(" ".join(parts))
    assert compare_names(name, name).score == pytest.approx(1.0)
    assert 0.0 <= compare_names(name, analyse_name(" ".join(other))).score <= 1.0


REAL_NAMES = [
    "Щукин",
    "Евгений",
    "Жорж",
    "Хрущёв",
    "Юрьевич",
    "Цой",
    "Ильич",
    "Лёвкин",
    "Александр",
    "Сергеевич",
    "Шойгу",
    "Медведев",
    "Васильев",
    "Горбачёв",
    "Чайковский",
    "Наталья",
    "Юлия",
    "Яковлев",
    "Фёдор",
    "Пётр",
    "Кужугетович",
    "Дмитриевна",
    "Ходорковский",
    "Ксения",
    "Алексей",
    "Георгий",
    "Жуков",
    "Ежов",
    "Королёва",
    "Анатольевич",
    "Семёнов",
    "Воробьёв",
    "Ёлкин",
    "Ирина",
    "Андреевич",
    "Николаевна",
    "Михаил",
    "Чичерин",
    "Шишкин",
    "Мясников",
    "Вячеслав",
    "Людмила",
    "Ильинична",
    "Игорь",
    "Прохоров",
    "Евдокимов",
    "Фаина",
    "Зинаида",
    "Щеглова",
    "Аркадьевич",
    "Дарья",
    "Юрий",
]
MAJOR_SCHEMES = (
    "BGN_PCGN",
    "ICAO_DOC_9303",
    "ALA_LC",
    "GOST_52290",
    "ISO_9_1968",
    "SCIENTIFIC",
    "WIKIPEDIA",
    "MVD_310",
)


@pytest.mark.parametrize("scheme", MAJOR_SCHEMES)
def test_a_cyrillic_name_meets_its_official_romanisations_exactly(scheme: str) -> None:
    schema = getattr(iuliia, scheme)
    for name in REAL_NAMES:
        assert compare_tokens(token(name), token(schema.translate(name)))[0] == 1.0, (name, schema.translate(name))
