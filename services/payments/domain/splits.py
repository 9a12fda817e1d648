"""Exact splits of an integer amount into parts that always sum to the whole.

Remainder rule (largest remainder, ties to the earlier part): every part first gets the floor of its
exact share `total * weight / sum(weights)`. The units left over (always fewer than the number of
parts with a non-zero weight) are handed out one each, to the parts with the largest fractional share
first; equal fractions go to the part listed earlier. A zero weight always gets zero.
"""

from collections.abc import Sequence

from services.payments.domain.errors import InvalidSplit
from services.payments.domain.money import Money

BASIS_POINTS_WHOLE = 10_000


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """Split a non-negative integer into parts proportional to non-negative integer weights."""
    if total < 0:
        raise InvalidSplit("only a non-negative amount can be split")
    if not weights:
        raise InvalidSplit("a split needs at least one part")
    if any(weight < 0 for weight in weights):
        raise InvalidSplit("split weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise InvalidSplit("split weights must not all be zero")
    floors: list[int] = []
    fractions: list[int] = []
    for weight in weights:
        quotient, remainder = divmod(total * weight, weight_sum)
        floors.append(quotient)
        fractions.append(remainder)
    leftover = total - sum(floors)
    # Sort by fraction descending, then by position ascending: the documented tie rule.
    order = sorted(range(len(weights)), key=lambda index: (-fractions[index], index))
    for index in order[:leftover]:
        floors[index] += 1
    return floors


def split_by_basis_points(total: int, basis_points: Sequence[int]) -> list[int]:
    """Split an amount by basis points that must add up to exactly 10 000 (100%)."""
    if sum(basis_points) != BASIS_POINTS_WHOLE:
        raise InvalidSplit(f"basis points add up to {sum(basis_points)}, not {BASIS_POINTS_WHOLE}")
    return split_by_weights(total, basis_points)


def split_money(amount: Money, weights: Sequence[int]) -> list[Money]:
    """Split Money by weights; the parts keep the currency and sum to the amount."""
    return [Money(part, amount.currency) for part in split_by_weights(amount.minor, weights)]
