from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.money import InvalidSplit, UnknownCurrency, exponent_of, split_by_basis_points, split_by_weights


def test_exponents_follow_iso_4217() -> None:
    assert (exponent_of("JPY"), exponent_of("USD"), exponent_of("RUB"), exponent_of("KWD")) == (0, 2, 2, 3)
    for not_payable in ("XAU", "usd", "ZZZ"):
        with pytest.raises(UnknownCurrency):
            exponent_of(not_payable)


@given(st.integers(min_value=0, max_value=10**12), st.lists(st.integers(min_value=0, max_value=10**6), min_size=1))
def test_parts_always_sum_to_the_whole(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        with pytest.raises(InvalidSplit):
            split_by_weights(total, weights)
        return
    parts = split_by_weights(total, weights)
    assert sum(parts) == total
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)


def test_leftover_units_go_to_the_largest_remainder_then_the_earlier_part() -> None:
    assert split_by_weights(10, [1, 1, 1]) == [4, 3, 3]
    assert split_by_basis_points(100_000_00, [2_500, 7_500]) == [25_000_00, 75_000_00]
    with pytest.raises(InvalidSplit):
        split_by_basis_points(100, [5_000, 4_000])
