from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.currencies import exponent_of
from services.payments.domain.errors import InvalidFxRate
from services.payments.domain.fx import FxRate, convert_money, cost_in_base
from services.payments.domain.money import Money

OBSERVED = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def make_rate(base: str, quote: str, rate: str) -> FxRate:
    return FxRate(base, quote, Decimal(rate), "ECB reference", OBSERVED)


def test_conversion_rounds_half_to_even_and_keeps_the_residue() -> None:
    conversion = convert_money(Money(1_001, "USD"), make_rate("USD", "JPY", "150.5"))
    # 10.01 USD * 150.5 = 1506.505 JPY -> 1507 JPY, residue -0.495 yen.
    assert conversion.converted == Money(1_507, "JPY")
    assert conversion.exact_minor == Decimal("1506.505")
    assert conversion.residue_minor == Decimal("-0.495")


def test_conversion_into_three_decimal_currency_shifts_exponents() -> None:
    conversion = convert_money(Money(10_000, "EUR"), make_rate("EUR", "KWD", "0.33215"))
    assert conversion.converted == Money(33_215, "KWD")
    assert conversion.residue_minor == 0


@given(
    st.integers(0, 10**15),
    st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(100000), places=8),
    st.sampled_from([("USD", "RUB"), ("RUB", "JPY"), ("JPY", "KWD"), ("KWD", "EUR")]),
)
def test_converted_plus_residue_is_exactly_amount_times_rate(minor: int, rate: Decimal, pair: tuple[str, str]) -> None:
    fx = make_rate(pair[0], pair[1], str(rate))
    conversion = convert_money(Money(minor, pair[0]), fx)
    exact = Fraction(minor) * Fraction(rate) * Fraction(10) ** (exponent_of(pair[1]) - exponent_of(pair[0]))
    assert Fraction(conversion.converted.minor) + Fraction(conversion.residue_minor) == exact
    assert abs(conversion.residue_minor) <= Decimal("0.5")


@pytest.mark.parametrize("rate", ["0", "-1", "NaN", "Infinity"])
def test_non_positive_rates_are_refused(rate: str) -> None:
    with pytest.raises(InvalidFxRate):
        make_rate("USD", "EUR", rate)


def test_rates_need_a_source_a_zoned_time_and_two_currencies() -> None:
    with pytest.raises(InvalidFxRate):
        FxRate("USD", "EUR", Decimal("0.9"), " ", OBSERVED)
    with pytest.raises(InvalidFxRate):
        FxRate("USD", "EUR", Decimal("0.9"), "ECB", datetime(2026, 1, 1))
    with pytest.raises(InvalidFxRate):
        make_rate("USD", "USD", "1")


def test_converting_another_currency_than_the_rate_base_is_refused() -> None:
    with pytest.raises(InvalidFxRate):
        convert_money(Money(100, "EUR"), make_rate("USD", "RUB", "90"))


def test_paying_a_target_amount_costs_the_exact_cost_rounded_up() -> None:
    cost = cost_in_base(Money(10_000, "EUR"), make_rate("USD", "EUR", "0.92"))
    # 100 EUR / 0.92 = 108.695652... USD -> debit 108.70 USD, 108.70 at rate, no rounding unit.
    assert cost.debit == Money(10_870, "USD")
    assert cost.at_rate == Money(10_870, "USD")
    assert cost.rounding == Money(0, "USD")
    assert Decimal("0") <= cost.residue_minor < 1


@given(
    st.integers(1, 10**13),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=6),
    st.sampled_from([("USD", "RUB"), ("RUB", "JPY"), ("JPY", "KWD"), ("KWD", "EUR")]),
)
def test_fx_cost_parts_add_up_and_never_underfund(minor: int, rate: Decimal, pair: tuple[str, str]) -> None:
    fx = make_rate(pair[0], pair[1], str(rate))
    cost = cost_in_base(Money(minor, pair[1]), fx)
    exact = Fraction(minor) / Fraction(rate) * Fraction(10) ** (exponent_of(pair[0]) - exponent_of(pair[1]))
    assert cost.at_rate.minor + cost.rounding.minor == cost.debit.minor
    assert cost.rounding.minor in (0, 1)
    assert cost.debit.minor >= exact > cost.debit.minor - 1
    assert abs(Fraction(cost.debit.minor) - Fraction(cost.residue_minor) - exact) < Fraction(1, 10**40)
