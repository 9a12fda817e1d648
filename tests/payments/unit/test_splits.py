from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.errors import InvalidSplit
from services.payments.domain.money import Money
from services.payments.domain.splits import (
    split_by_basis_points,
    split_by_weights,
    split_money,
)

weights_strategy = st.lists(st.integers(0, 10_000), min_size=1, max_size=12).filter(any)
totals = st.integers(0, 10**15)


@given(totals, weights_strategy)
def test_split_parts_always_sum_to_the_whole(total: int, weights: list[int]) -> None:
    assert sum(split_by_weights(total, weights)) == total


@given(totals, weights_strategy)
def test_each_part_is_within_one_unit_of_its_exact_share(total: int, weights: list[int]) -> None:
    parts = split_by_weights(total, weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, sum(weights))
        assert exact - 1 < part < exact + 1


@given(totals, weights_strategy)
def test_zero_weights_get_nothing(total: int, weights: list[int]) -> None:
    parts = split_by_weights(total, weights)
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)


@given(totals, weights_strategy)
def test_remainder_goes_to_largest_fractions_then_earlier_parts(total: int, weights: list[int]) -> None:
    parts = split_by_weights(total, weights)
    weight_sum = sum(weights)
    bumped = [i for i, (p, w) in enumerate(zip(parts, weights, strict=True)) if p * weight_sum > total * w]
    kept = [i for i in range(len(weights)) if i not in bumped]
    fraction = [Fraction(total * w, weight_sum) % 1 for w in weights]
    for winner in bumped:
        for loser in kept:
            assert (fraction[winner], -winner) > (fraction[loser], -loser)


def test_equal_shares_give_the_remainder_to_the_first_parts() -> None:
    assert split_by_weights(10, [1, 1, 1]) == [4, 3, 3]
    assert split_by_weights(11, [1, 1, 1]) == [4, 4, 3]


def test_a_quarter_and_three_quarters_of_an_odd_bounty() -> None:
    assert split_by_basis_points(10_001, [2_500, 7_500]) == [2_500, 7_501]


@pytest.mark.parametrize("basis_points", [[5_000, 4_999], [10_001], []])
def test_basis_points_must_add_up_to_the_whole(basis_points: list[int]) -> None:
    with pytest.raises(InvalidSplit):
        split_by_basis_points(100, basis_points)


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (10, [0, 0]), (10, [1, -1]), (10, [])])
def test_invalid_splits_are_refused(total: int, weights: list[int]) -> None:
    with pytest.raises(InvalidSplit):
        split_by_weights(total, weights)


@given(totals, weights_strategy)
def test_split_money_keeps_currency_and_total(total: int, weights: list[int]) -> None:
    parts = split_money(Money(total, "KWD"), weights)
    assert {part.currency for part in parts} == {"KWD"}
    assert sum(part.minor for part in parts) == total
