"""Ed25519-signed checkpoints of the chain head that auditors can keep and check offline."""

import base64
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
    """A signed statement that the chain had `head_hash` at sequence number `seq`."""

    seq: int
    head_hash: str
    signed_at: str
    key_id: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        """Return the export form of the checkpoint (one JSON Lines row)."""
        return {
            "type": "checkpoint",
            "seq": self.seq,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def checkpoint_message(seq: int, head_hash: str, signed_at: str, key_id: str) -> bytes:
    """Return the exact bytes a checkpoint signature covers."""
    statement = {
        "head_hash": head_hash,
        "key_id": key_id,
        "seq": seq,
        "signed_at": signed_at,
    }
    return b"carrots.ledger.checkpoint.v1\n" + canonical_json(statement)


def sign_checkpoint(
    private_key: Ed25519PrivateKey,
    seq: int,
    head_hash: str,
    signed_at: str,
    key_id: str,
) -> Checkpoint:
    """Sign the head of the chain; `signed_at` is an ISO 8601 UTC timestamp."""
    signature = private_key.sign(checkpoint_message(seq, head_hash, signed_at, key_id))
    encoded = base64.b64encode(signature).decode()
    return Checkpoint(seq, head_hash, signed_at, key_id, encoded)


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: Checkpoint) -> bool:
    """Return whether the checkpoint's signature is valid for `public_key`."""
    message = checkpoint_message(checkpoint.seq, checkpoint.head_hash, checkpoint.signed_at, checkpoint.key_id)
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def export_public_key_pem(public_key: Ed25519PublicKey) -> str:
    """Return the public key as PEM text for auditors."""
    return public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key_pem(pem: bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM bytes, refusing other key types."""
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("the checkpoint key must be an Ed25519 public key")
    return key
