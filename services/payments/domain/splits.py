"""Exact splits of an integer amount into parts that always sum to the whole.

The rule (largest remainder, ties to the earlier part) is written once, in `shared.money`, so that
eligibility's promised tranches and payments' obligations split the same way; this module raises
payments' own `InvalidSplit`.
"""

from collections.abc import Sequence

from services.payments.domain.errors import InvalidSplit
from services.payments.domain.money import Money
from shared import money
from shared.money import BASIS_POINTS_WHOLE

__all__ = ["BASIS_POINTS_WHOLE", "split_by_basis_points", "split_by_weights", "split_money"]


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """Split a non-negative integer into parts proportional to non-negative integer weights."""
    try:
        return money.split_by_weights(total, weights)
    except money.InvalidSplit as exc:
        raise InvalidSplit(str(exc)) from exc


def split_by_basis_points(total: int, basis_points: Sequence[int]) -> list[int]:
    """Split an amount by basis points that must add up to exactly 10 000 (100%)."""
    try:
        return money.split_by_basis_points(total, basis_points)
    except money.InvalidSplit as exc:
        raise InvalidSplit(str(exc)) from exc


def split_money(amount: Money, weights: Sequence[int]) -> list[Money]:
    """Split Money by weights; the parts keep the currency and sum to the amount."""
    return [Money(part, amount.currency) for part in split_by_weights(amount.minor, weights)]
