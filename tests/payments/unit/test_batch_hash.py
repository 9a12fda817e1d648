"""The batch's fast entry hash is the ledger chain's hash, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.payments.domain.tamper.chain import GENESIS_HASH, compute_record_hash
from services.payments.domain.tamper.digest import record_digest
from services.payments.ledger.chain import entry_body

texts = st.text(min_size=1, max_size=40)


@given(
    entry_id=texts,
    account_id=texts,
    currency=st.sampled_from(["USD", "EUR", "JPY", "KWD"]),
    amount=st.integers(min_value=-(10**18), max_value=10**18).filter(bool),
    seq=st.integers(min_value=1, max_value=2**62),
    moment=st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
)
def test_the_fast_entry_hash_is_the_chain_hash(
    entry_id: str, account_id: str, currency: str, amount: int, seq: int, moment: datetime
) -> None:
    body = entry_body(
        entry_id=entry_id,
        partner_id="DE",
        transfer_id="tr-ü-1",
        transfer_kind="contribution",
        account_id=account_id,
        currency=currency,
        amount_minor=amount,
        created_at=moment,
    )
    prev = compute_record_hash(seq, GENESIS_HASH, {"x": 1})
    assert record_digest(seq, prev, body) == compute_record_hash(seq, prev, body)
