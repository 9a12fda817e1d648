"""Money helpers: exact splits, currency codes and formatting."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eligibility.policies.engine.money import (
    UnknownCurrency,
    format_money,
    split_by_basis_points,
    validate_currency,
)


@st.composite
def shares(draw: st.DrawFn) -> list[int]:
    """Basis-point shares that sum to 10,000."""
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=9_999), max_size=5, unique=True)))
    bounds = [0, *cuts, 10_000]
    return [b - a for a, b in itertools.pairwise(bounds)]


@given(total=st.integers(min_value=0, max_value=10**12), parts=shares())
def test_split_parts_always_sum_to_the_whole(total: int, parts: list[int]) -> None:
    split = split_by_basis_points(total, parts)
    assert sum(split) == total
    assert all(abs(amount * 10_000 - total * bp) < 10_000 for amount, bp in zip(split, parts, strict=True))


def test_split_rejects_shares_that_do_not_make_a_whole() -> None:
    with pytest.raises(ValueError, match="10000"):
        split_by_basis_points(100, [5_000, 4_000])


def test_split_is_exact_for_the_default_bounty_tranches() -> None:
    assert split_by_basis_points(10_000_000, [2_500, 7_500]) == [2_500_000, 7_500_000]


@pytest.mark.parametrize("code", ["usd", "US", "ABC", "XAU", "XXX"])
def test_unknown_or_unpayable_currencies_are_rejected(code: str) -> None:
    with pytest.raises(UnknownCurrency, match="ISO 4217"):
        validate_currency(code)


def test_formatting_follows_the_currency_exponent() -> None:
    assert format_money(10_000_000, "USD") == "USD 100,000.00"
    assert format_money(5_000_000, "JPY") == "JPY 5,000,000"
    assert format_money(1_500, "KWD") == "KWD 1.500"
