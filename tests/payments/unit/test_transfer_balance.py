from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.ledger.errors import TransferUnbalanced
from services.payments.ledger.models import Account
from services.payments.ledger.service import Leg, check_balanced


def make_account(currency: str, number: int) -> Account:
    return Account(
        id=f"a-{currency}-{number}",
        partner_id="DE",
        currency=currency,
        kind="funding",
        balance_minor=0,
        created_at=datetime.now(UTC),
    )


@given(st.lists(st.integers(1, 10**12), min_size=1, max_size=6), st.sampled_from(["USD", "JPY", "KWD"]))
def test_legs_that_net_to_zero_in_each_currency_are_accepted(amounts: list[int], currency: str) -> None:
    debits = [Leg(make_account(currency, n), amount) for n, amount in enumerate(amounts)]
    credit = Leg(make_account(currency, 99), -sum(amounts))
    check_balanced([*debits, credit])


def test_a_transfer_balanced_overall_but_not_per_currency_is_refused() -> None:
    legs = [Leg(make_account("USD", 1), 100), Leg(make_account("EUR", 2), -100)]
    with pytest.raises(TransferUnbalanced, match="EUR, USD"):
        check_balanced(legs)


def test_a_transfer_needs_two_non_zero_legs() -> None:
    with pytest.raises(TransferUnbalanced):
        check_balanced([Leg(make_account("USD", 1), 0), Leg(make_account("USD", 2), 0)])
    with pytest.raises(TransferUnbalanced):
        check_balanced([Leg(make_account("USD", 1), 0)])
