"""Ed25519-signed checkpoints of the chain head that auditors can keep and check offline."""

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from services.payments.domain.tamper.chain import canonical_json


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement that chain `chain_id` had `head_hash` at sequence number `seq`."""

    chain_id: str
    seq: int
    head_hash: str
    signed_at: str
    key_id: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        """Return the export form of the checkpoint (one JSON Lines row)."""
        return {
            "type": "checkpoint",
            "chain_id": self.chain_id,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def checkpoint_message(chain_id: str, seq: int, head_hash: str, signed_at: str, key_id: str) -> bytes:
    """Return the exact bytes a checkpoint signature covers."""
    statement = {
        "chain_id": chain_id,
        "head_hash": head_hash,
        "key_id": key_id,
        "seq": seq,
        "signed_at": signed_at,
    }
    return b"carrots.ledger.checkpoint.v1\n" + canonical_json(statement)


def sign_checkpoint(
    private_key: Ed25519PrivateKey,
    chain_id: str,
    seq: int,
    head_hash: str,
    signed_at: str,
    key_id: str,
) -> Checkpoint:
    """Sign the head of a chain; `signed_at` is an ISO 8601 UTC timestamp."""
    signature = private_key.sign(checkpoint_message(chain_id, seq, head_hash, signed_at, key_id))
    encoded = base64.b64encode(signature).decode()
    return Checkpoint(chain_id, seq, head_hash, signed_at, key_id, encoded)


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    """Return whether the checkpoint's signature is valid for `public_key`."""
    message = checkpoint_message(
        checkpoint.chain_id, checkpoint.seq, checkpoint.head_hash, checkpoint.signed_at, checkpoint.key_id
    )
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """Return a short, stable id of a public key (the first 16 hex digits of its SHA-256)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def export_public_key_pem(public_key: Ed25519PublicKey) -> str:
    """Return the public key as PEM text for auditors."""
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key_pem(pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM bytes, refusing other key types."""
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("the checkpoint key must be an Ed25519 public key")
    return key
