"""Approval thresholds: the default means the same sum in every currency; per-currency lists are minor units."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.payments.config import PaymentsSettings
from services.payments.domain.currencies import exponent_of
from services.payments.domain.money import Money
from services.payments.payouts.service import count_required_approvals

DEFAULT = PaymentsSettings()


def in_major(major: int, currency: str) -> Money:
    return Money(major * 10 ** exponent_of(currency), currency)


@given(major=st.integers(min_value=0, max_value=10_000_000))
def test_the_same_major_sum_needs_the_same_approvers_in_jpy_usd_and_kwd(major: int) -> None:
    needed = {count_required_approvals(DEFAULT, in_major(major, c)) for c in ("JPY", "USD", "KWD")}
    assert len(needed) == 1


@pytest.mark.parametrize("currency", ["JPY", "USD", "KWD"])
def test_the_default_thresholds_are_major_units_of_the_payout_currency(currency: str) -> None:
    first, second = DEFAULT.approval_default_thresholds_major
    assert count_required_approvals(DEFAULT, in_major(first, currency)) == 0
    assert count_required_approvals(DEFAULT, in_major(first, currency) + Money(1, currency)) == 1
    assert count_required_approvals(DEFAULT, in_major(second, currency) + Money(1, currency)) == 2


def test_a_currency_with_its_own_list_uses_it_in_minor_units() -> None:
    settings = PaymentsSettings(approval_thresholds={"JPY": [500_000]}, approval_default_thresholds_major=[100])
    assert settings.thresholds_for("JPY") == [500_000]
    assert settings.thresholds_for("KWD") == [100_000]
    assert count_required_approvals(settings, Money(500_001, "JPY")) == 1
    assert count_required_approvals(settings, Money(500_000, "JPY")) == 0


@pytest.mark.parametrize("key", ["*", "usd", "XXY"])
def test_thresholds_keyed_by_anything_but_an_iso_currency_are_refused(key: str) -> None:
    with pytest.raises(ValidationError):
        PaymentsSettings(approval_thresholds={key: [100_000]})


def test_negative_thresholds_are_refused() -> None:
    with pytest.raises(ValidationError):
        PaymentsSettings(approval_default_thresholds_major=[-1])
