"""The ledger's hash chain: each record's hash covers its sequence number, body and the previous hash.

Built on the shared chain primitive (`shared.chain`); the field names and the domain tag are those the
ledger has always hashed with, so every stored hash still verifies.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.payments.domain.errors import NonCanonicalValue
from shared import chain
from shared.chain import GENESIS_HASH, ChainFormat

__all__ = [
    "GENESIS_HASH",
    "LEDGER_CHAIN",
    "ChainedRecord",
    "canonical_json",
    "chain_record",
    "chain_records",
    "compute_record_hash",
]

LEDGER_CHAIN = ChainFormat(domain=b"carrots.ledger.v1\n", position_field="seq", previous_field="prev_hash")


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
    try:
        return chain.canonical_json(value)
    except chain.NonCanonicalValue as error:
        raise NonCanonicalValue(f"ledger record: {error}") from error


def compute_record_hash(seq: int, prev_hash: str, body: Mapping[str, Any]) -> str:
    """Return the SHA-256 hex digest that links a record to its predecessor."""
    try:
        return LEDGER_CHAIN.link_hash(seq, prev_hash, {"body": dict(body)})
    except chain.NonCanonicalValue as error:
        raise NonCanonicalValue(f"ledger record: {error}") from error


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
