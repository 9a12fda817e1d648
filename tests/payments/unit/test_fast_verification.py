"""The fast hashing and reading paths give exactly what the reference (standard library) paths give."""

import json
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.payments.domain.errors import NonCanonicalValue
from services.payments.domain.tamper import export_rows, verify
from services.payments.domain.tamper.chain import chain_records, compute_record_hash
from services.payments.domain.tamper.checkpoints import sign_checkpoint
from services.payments.domain.tamper.digest import record_digest
from services.payments.domain.tamper.report import VerificationReport

KEY = Ed25519PrivateKey.generate()
EVERY_CODE_POINT = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def _body(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"e-{n}",
        "partner_id": "DE",
        "transfer_id": f"t-{n}",
        "transfer_kind": "payout",
        "account_id": "acct-1",
        "currency": "EUR",
        "amount_minor": n * 100,
        "created_at": "2026-12-06T10:00:00.123456+00:00",
        **changes,
    }


def test_the_fast_digest_equals_the_reference_for_every_code_point() -> None:
    for start in range(0, len(EVERY_CODE_POINT), 2048):
        text = "".join(EVERY_CODE_POINT[start : start + 2048])
        body = _body(1, account_id=text, **{text[:8]: text[-8:]})
        assert record_digest(start, text[::-1], body) == compute_record_hash(start, text[::-1], body)


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_minor": 2**63 - 1},
        {"amount_minor": -(2**63)},
        {"amount_minor": 2**64 - 1},
        {"amount_minor": 2**64},
        {"amount_minor": -(10**30)},
        {"amount_minor": True},
        {"memo": None},
        {"memo": ["a", {"z": 1, "a": [2]}]},
        {"": "", "\u0000": "\u001f\u007f\u2028\ud7ff\U0010ffff"},
    ],
)
def test_the_fast_digest_equals_the_reference_for_any_json_value(changes: dict[str, Any]) -> None:
    body = _body(7, **changes)
    assert record_digest(7, "f" * 64, body) == compute_record_hash(7, "f" * 64, body)
    assert record_digest(2**70, "f" * 64, body) == compute_record_hash(2**70, "f" * 64, body)


def test_a_float_is_refused_by_the_fast_digest_as_by_the_reference() -> None:
    with pytest.raises(NonCanonicalValue):
        record_digest(1, "0" * 64, _body(1, amount_minor=1.0))


def _tampered_exports() -> list[list[str]]:
    records = chain_records([_body(n) for n in range(1, 13)])
    lines = [json.dumps(r.to_json(), ensure_ascii=False) for r in records]
    checkpoint = json.dumps(sign_checkpoint(KEY, "DE", 12, records[-1].hash, "2026-12-06T10:00:00Z", "k").to_json())
    early = json.dumps(sign_checkpoint(KEY, "DE", 4, records[3].hash, "2026-12-06T09:00:00Z", "k").to_json())

    def edit(index: int, **changes: Any) -> str:
        row = records[index].to_json()
        row.update(changes)
        return json.dumps(row, ensure_ascii=False)

    def body_edit(index: int, **changes: Any) -> str:
        row = records[index].to_json()
        row["body"] = {**row["body"], **changes}
        return json.dumps(row, ensure_ascii=False)

    return [
        [checkpoint, *lines],
        [*lines, checkpoint, early],
        [checkpoint, *lines[:5], body_edit(5, amount_minor=1), *lines[6:]],
        [checkpoint, *lines[:5], body_edit(5, amount_minor=2**64), *lines[6:]],
        [checkpoint, *lines[:5], body_edit(5, amount_minor=10**30), *lines[6:]],
        [checkpoint, *lines[:5], body_edit(5, amount_minor=True), *lines[6:]],
        [checkpoint, *lines[:5], body_edit(5, memo=["x", {"y": None}]), *lines[6:]],
        [checkpoint, *lines[:5], body_edit(5, account_id='счёт \u2028 "q" \\ \u0001'), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, seq=10**25), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, seq=True), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, seq="6"), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, body=None), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, prev_hash=5), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, hash=None), *lines[6:]],
        [checkpoint, *lines[:5], edit(5, type="Record"), *lines[6:]],
        [checkpoint, *lines[:5], "", "   ", "[1, 2]", "not json", '{"seq": NaN}', '"\\ud800"', *lines[5:]],
        [checkpoint, *lines[:3], lines[4], lines[3], *lines[5:]],
        [checkpoint, *lines[:3], *lines[5:]],
        [checkpoint, *lines[:6], lines[5], *lines[6:]],
        [checkpoint, *lines[:9]],
        [*lines[:4], early, '{"type":"checkpoint","seq":1e3}', '{"type":"\\u0063heckpoint","seq":"x"}', *lines[4:]],
        [checkpoint, *[edit(i, seq=r.seq + 1) for i, r in enumerate(records)]],
        [checkpoint, *lines[:2], edit(2, seq=2), *[edit(i, seq=r.seq - 1) for i, r in enumerate(records[3:], 3)]],
    ]


def _as_tuple(report: VerificationReport) -> tuple[object, ...]:
    return (report.to_text(), report.records_checked, report.last_seq, report.head_hash, report.problems)


def test_the_fast_reading_reports_exactly_what_the_reference_reading_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [_as_tuple(verify.verify_ledger_lines(lines, KEY.public_key())) for lines in _tampered_exports()]

    def refuse(_: object) -> None:
        raise orjson.JSONDecodeError("reference path", "", 0)

    # Without orjson every line takes the standard library's reading and the reference hash.
    monkeypatch.setattr(orjson, "loads", refuse)
    monkeypatch.setattr(export_rows, "record_digest", compute_record_hash)
    monkeypatch.setattr(verify, "record_digest", compute_record_hash)
    reference = [_as_tuple(verify.verify_ledger_lines(lines, KEY.public_key())) for lines in _tampered_exports()]
    assert fast == reference
    # The cases really differ: intact, renumbered, edited, malformed, removed, inserted, truncated...
    assert len({text for text, *_ in fast}) >= 12
