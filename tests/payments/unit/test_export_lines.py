"""The export's fast JSON Lines encoder writes exactly what the record definition says, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from services.payments.audit.service import record_of, render_jsonl
from services.payments.ledger.chain import iso_utc


def _row(seq: int, **changes: Any) -> Any:
    values = {
        "seq": seq,
        "id": f"e-{seq}",
        "partner_id": "DE",
        "transfer_id": f"t-{seq}",
        "transfer_kind": "payout",
        "account_id": "acct-1",
        "currency": "EUR",
        "amount_minor": -(10**15) + seq,
        "created_at": datetime(2026, 12, 6, 10, 0, 0, 123456, tzinfo=UTC),
        "prev_hash": "0" * 64,
        "hash": f"{seq:064x}",
        **changes,
    }
    return SimpleNamespace(**values)


def test_fast_json_lines_equal_the_record_definition_encoded_by_the_standard_library() -> None:
    rows = [
        _row(1),
        _row(
            2,
            memo="ignored",
            account_id='счёт-\u2028/"q"\\',
            created_at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=3))),
        ),
        _row(3, amount_minor=10**18),
    ]
    expected = "".join(json.dumps(record_of(r), separators=(",", ":"), ensure_ascii=False) + "\n" for r in rows)
    # The repository hands the encoder plain tuples, with the timestamp already in the chain's text form.
    columns = ("seq", "id", "partner_id", "transfer_id", "transfer_kind", "account_id", "currency", "amount_minor")
    tuples = [(*(getattr(r, c) for c in columns), iso_utc(r.created_at), r.prev_hash, r.hash) for r in rows]
    assert render_jsonl(tuples) == expected.encode()
