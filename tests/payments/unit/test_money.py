from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.currencies import EXPONENTS, exponent_of
from services.payments.domain.errors import (
    AmountTooPrecise,
    CurrencyMismatch,
    UnknownCurrency,
)
from services.payments.domain.money import Money, money_from_decimal, sum_money


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("JPY", 0), ("USD", 2), ("EUR", 2), ("RUB", 2), ("KWD", 3), ("CLF", 4)],
)
def test_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert exponent_of(currency) == exponent


@pytest.mark.parametrize("code", ["XXX", "usd", "RUR", "", "EURO"])
def test_unknown_currencies_are_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        exponent_of(code)
    with pytest.raises(UnknownCurrency):
        Money(1, code)


def test_money_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("123.45", "USD", 12345),
        ("5000000", "RUB", 500000000),
        ("1000", "JPY", 1000),
        ("0.125", "KWD", 125),
    ],
)
def test_decimal_amounts_become_exact_minor_units(text: str, currency: str, minor: int) -> None:
    assert money_from_decimal(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(("text", "currency"), [("1.5", "JPY"), ("0.001", "USD"), ("0.0001", "KWD")])
def test_decimal_amounts_with_too_many_digits_are_refused(text: str, currency: str) -> None:
    with pytest.raises(AmountTooPrecise):
        money_from_decimal(text, currency)


def test_amounts_in_different_currencies_cannot_be_added() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money(1, "USD") + Money(1, "EUR")


def test_plain_format_shows_every_minor_digit() -> None:
    assert Money(50, "KWD").format_plain() == "0.050"
    assert Money(7, "JPY").format_plain() == "7"
    assert Money(-5, "USD").format_plain() == "-0.05"


@given(st.integers(-(10**15), 10**15), st.sampled_from(sorted(EXPONENTS)))
def test_decimal_round_trip_is_exact(minor: int, currency: str) -> None:
    money = Money(minor, currency)
    assert money_from_decimal(money.to_decimal(), currency) == money
    assert money_from_decimal(money.format_plain(), currency) == money
    assert money.to_decimal() == Decimal(minor) / Decimal(10) ** exponent_of(currency)


@given(st.lists(st.integers(-(10**12), 10**12), max_size=20))
def test_sum_of_money_is_the_sum_of_minor_units(values: list[int]) -> None:
    assert sum_money([Money(v, "EUR") for v in values], "EUR") == Money(sum(values), "EUR")
