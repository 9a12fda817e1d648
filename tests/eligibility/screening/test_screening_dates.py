"""Birth dates are read at the precision lists give them, and weigh a name match up or down."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.screening.engine import BirthDate
from services.eligibility.screening.engine.dates import compare_birth_dates, parse_birth_dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1955-05-21", (BirthDate(1955, 5, 21),)),
        ("21 May 1955", (BirthDate(1955, 5, 21),)),
        ("May 1955", (BirthDate(1955, 5),)),
        ("1955", (BirthDate(1955),)),
        ("circa 1955", (BirthDate(1955, approximate=True),)),
        ("1960 to 1961", (BirthDate(1960, approximate=True), BirthDate(1961, approximate=True))),
        ("31 Feb 1955", ()),
        ("unknown", ()),
    ],
)
def test_list_birth_dates_are_read_at_their_published_precision(text: str, expected: tuple[BirthDate, ...]) -> None:
    assert parse_birth_dates(text) == expected


def test_an_exact_birth_date_supports_a_match_more_than_a_matching_year_alone() -> None:
    born = date(1955, 5, 21)
    exact = compare_birth_dates(born, (BirthDate(1955, 5, 21),))
    year_only = compare_birth_dates(born, (BirthDate(1955),))
    unknown = compare_birth_dates(born, ())
    other_year = compare_birth_dates(BirthDate(1955), (BirthDate(1961),))
    assert exact.factor > year_only.factor > unknown.factor > other_year.factor


@pytest.mark.parametrize(
    "listed",
    [
        BirthDate(1955, 7, 2),
        BirthDate(1961, 5, 21),
        BirthDate(1955, 7),
        BirthDate(1961),
        BirthDate(1958, approximate=True),
    ],
)
def test_a_full_birth_date_contradicts_whatever_the_list_states_that_it_does_not_agree_with(listed: BirthDate) -> None:
    agreement = compare_birth_dates(date(1955, 5, 21), (listed,))
    assert agreement.kind == "contradicts"
    assert f"contradicts the listed {listed}" in agreement.reason


@pytest.mark.parametrize(
    ("born", "listed", "kind"),
    [
        (BirthDate(1987), BirthDate(1987, 5, 14), "partial"),
        (BirthDate(1987, 5), BirthDate(1987, 5, 14), "partial"),
        (BirthDate(1987, 6), BirthDate(1987, 5, 14), "same_year"),
        (BirthDate(1986), BirthDate(1987, 5, 14), "differs"),
        (BirthDate(1987, 5, 14), BirthDate(1988, approximate=True), "approximate"),
    ],
)
def test_a_partial_birth_date_is_compared_at_its_precision_and_never_contradicts(
    born: BirthDate, listed: BirthDate, kind: str
) -> None:
    assert compare_birth_dates(born, (listed,)).kind == kind


def test_the_best_of_several_listed_birth_dates_counts() -> None:
    agreement = compare_birth_dates(date(1970, 3, 1), (BirthDate(1961, 1, 1), BirthDate(1970, 3, 1)))
    assert agreement.factor == 1.0
    assert "matches the listed 1970-03-01" in agreement.reason


def test_swapped_day_and_month_is_noticed() -> None:
    agreement = compare_birth_dates(date(1980, 2, 5), (BirthDate(1980, 5, 2),))
    assert "swapped" in agreement.reason


@given(year=st.integers(1900, 2020), shift=st.integers(2, 50))
def test_a_partial_birth_year_two_or_more_years_away_weighs_against_without_excluding(year: int, shift: int) -> None:
    listed = (BirthDate(year + shift, 3), BirthDate(year - shift, approximate=True))
    agreement = compare_birth_dates(BirthDate(year), listed)
    assert agreement.factor < compare_birth_dates(BirthDate(year), ()).factor
    assert agreement.kind == "differs"


@given(born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)), days=st.integers(1, 20_000))
def test_a_different_full_birth_date_always_contradicts_unless_day_and_month_are_swapped(born: date, days: int) -> None:
    other = born + timedelta(days=days)
    agreement = compare_birth_dates(born, (BirthDate(other.year, other.month, other.day),))
    swapped = (other.year, other.month, other.day) == (born.year, born.day, born.month)
    assert agreement.kind == ("swapped" if swapped else "contradicts")
