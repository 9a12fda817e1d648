"""Money facts every service must agree on: ISO 4217 minor-unit exponents and exact splits.

Amounts cross service boundaries as integers in minor units; what a minor unit is depends on the
currency's exponent, so the table lives here, once.

Split rule (largest remainder, ties to the earlier part): each part first gets the floor of its exact
share `total * weight / sum(weights)`; the units left over (fewer than the number of parts with a
non-zero weight) go one each to the parts with the largest fractional share, equal fractions to the
part listed earlier. A zero weight always gets zero, and the parts always sum to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Final

BASIS_POINTS_WHOLE: Final = 10_000

# Limits every amount obeys before it reaches a database, so that sums fit a signed 64-bit integer
# (about 9.2 * 10**18) on PostgreSQL's BIGINT and SQLite's INTEGER alike, with room to spare.
# One amount (a contribution, a bounty, a stipend's whole plan, a waiver cap, a payout): at most 10**15
# minor units (USD 10 trillion, JPY 1 quadrillion).
MAX_AMOUNT_MINOR: Final = 10**15
# A stored balance, the sum of many amounts: at most 10**18 minor units either way; a transfer that would
# take one further is refused.
MAX_BALANCE_MINOR: Final = 10**18


class UnknownCurrency(ValueError):
    """The code is not an active ISO 4217 currency with a minor unit."""


class AmountOutOfRange(ValueError):
    """An amount or a sum of amounts beyond the documented limits."""


def check_amount(amount: int, *, what: str = "an amount") -> int:
    """Return the amount if it is an int (never a bool) within +/- MAX_AMOUNT_MINOR, else raise."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise AmountOutOfRange(f"{what} must be an integer of minor units")
    if abs(amount) > MAX_AMOUNT_MINOR:
        raise AmountOutOfRange(f"{what} exceeds the limit of {MAX_AMOUNT_MINOR} minor units")
    return amount


class InvalidSplit(ValueError):
    """The weights or basis points of a split cannot divide an amount."""


# Exponents other than 2, from ISO 4217 list one (active codes, funds codes included).
_NON_TWO_EXPONENTS: Final = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

_TWO_EXPONENT_CODES: Final = (
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE",
    "CHF", "CHW", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP",
    "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD",
    "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
    "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR",
    "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD",
    "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
    "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS",
    "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG",
)  # fmt: skip

EXPONENTS: Final = MappingProxyType({**{code: 2 for code in _TWO_EXPONENT_CODES}, **_NON_TWO_EXPONENTS})


def exponent_of(currency: str) -> int:
    """The number of minor-unit digits of an ISO 4217 currency (JPY 0, USD 2, KWD 3)."""
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(f"{currency!r} is not an active ISO 4217 currency code such as USD or EUR") from None


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
    order = sorted(range(len(weights)), key=lambda index: (-fractions[index], index))
    for index in order[:leftover]:
        floors[index] += 1
    return floors


def split_by_basis_points(total: int, basis_points: Sequence[int]) -> list[int]:
    """Split an amount by basis points that must add up to exactly 10,000 (100%)."""
    if sum(basis_points) != BASIS_POINTS_WHOLE:
        raise InvalidSplit(f"basis points add up to {sum(basis_points)}, not {BASIS_POINTS_WHOLE}")
    return split_by_weights(total, basis_points)
