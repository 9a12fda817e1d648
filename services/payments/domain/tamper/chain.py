"""A hash chain: each record's hash covers its sequence number, body and the previous hash."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.payments.domain.errors import NonCanonicalValue

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainedRecord:
    """One link of the chain as it is stored and exported."""

    seq: int
    prev_hash: str
    hash: str
    body: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """Return the export form of the record (one JSON Lines row)."""
        return {
            "type": "record",
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "body": dict(self.body),
        }


def canonical_json(value: Any) -> bytes:
    """Serialise JSON-native values (no floats) one way only: sorted keys, no spaces, UTF-8."""
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_record_hash(seq: int, prev_hash: str, body: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest that links a record to its predecessor."""
    payload = canonical_json({"body": dict(body), "prev_hash": prev_hash, "seq": seq})
    return hashlib.sha256(b"carrots.ledger.v1\n" + payload).hexdigest()


def chain_record(seq: int, prev_hash: str, body: Mapping[str, Any]) -> ChainedRecord:
    """Build the next record of the chain after the record whose hash is `prev_hash`."""
    return ChainedRecord(seq, prev_hash, compute_record_hash(seq, prev_hash, body), body)


def chain_records(bodies: Sequence[Mapping[str, Any]]) -> list[ChainedRecord]:
    """Chain bodies from the genesis hash, numbering them from 1."""
    records: list[ChainedRecord] = []
    prev_hash = GENESIS_HASH
    for seq, body in enumerate(bodies, start=1):
        record = chain_record(seq, prev_hash, body)
        records.append(record)
        prev_hash = record.hash
    return records


def _refuse_floats(value: Any) -> None:
    # A float has several textual forms, so it could make one record hash two ways.
    if isinstance(value, float):
        raise NonCanonicalValue("ledger records must not contain floats")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValue("ledger record keys must be strings")
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)
    elif value is not None and not isinstance(value, str | int | bool):
        raise NonCanonicalValue(f"ledger records cannot hold {type(value).__name__}")
