"""The pieces a ledger batch builds its rows from: bulk ids and the balances it moves item by item."""

from __future__ import annotations

import uuid

from services.payments.ledger.batches import Balances
from services.payments.ledger.errors import BalanceLimitExceeded, InsufficientFunds
from shared.ids import new_id, new_ids
from shared.money import MAX_BALANCE_MINOR


def test_bulk_ids_are_distinct_uuid7_strings_like_single_ones() -> None:
    ids = new_ids(2000)
    assert len(set(ids)) == 2000
    for value in [*ids[:50], new_id()]:
        parsed = uuid.UUID(value)
        assert str(parsed) == value
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122

    # The first 48 bits are the clock's milliseconds: bulk ids sort with single ids made around them.
    def millis(value: str) -> int:
        return int(value.replace("-", "")[:12], 16)

    before = millis(new_id())
    made = millis(new_ids(1)[0])
    assert before <= made <= millis(new_id())
    assert new_ids(0) == []


def test_balances_refuse_an_item_whole_and_move_only_accepted_ones() -> None:
    balances = Balances(kinds={"f": "funding", "l": "programme_liability"}, current={"f": 10, "l": -10})
    assert balances.refusal([("f", 5), ("l", -5)]) is None
    assert isinstance(balances.refusal([("f", -20), ("l", 20)]), InsufficientFunds)
    assert isinstance(balances.refusal([("f", MAX_BALANCE_MINOR), ("l", -MAX_BALANCE_MINOR)]), BalanceLimitExceeded)
    assert balances.current == {"f": 15, "l": -15}
    assert balances.moved == {"f": 5, "l": -5}
    # Two legs on one account count together.
    assert isinstance(balances.refusal([("f", -10), ("f", -10), ("l", 20)]), InsufficientFunds)
    assert balances.refusal([("f", -10), ("f", 3), ("l", 7)]) is None
    assert balances.current == {"f": 8, "l": -8}
    assert balances.moved == {"f": -2, "l": 2}
