"""The programme's Ed25519 signing key: generate, load, export, and name it by its JWK thumbprint."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from services.testimony.signing.errors import SigningKeyUnreadable


def encode_base64url(data: bytes) -> str:
    """Encode bytes as unpadded base64url, the alphabet JOSE uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def compute_key_id(public_key: Ed25519PublicKey) -> str:
    """Name a public key by its RFC 7638 JWK thumbprint, so anyone can recompute the name from the key."""
    members = {
        "crv": "Ed25519",
        "kty": "OKP",
        "x": encode_base64url(_raw_public_bytes(public_key)),
    }
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("ascii")
    return encode_base64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key together with its key id."""

    private_key: Ed25519PrivateKey
    key_id: str

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half, safe to publish."""
        return self.private_key.public_key()


def wrap_private_key(private_key: Ed25519PrivateKey) -> SigningKey:
    """Pair a private key with its key id."""
    return SigningKey(private_key=private_key, key_id=compute_key_id(private_key.public_key()))


def generate_signing_key() -> SigningKey:
    """Create a fresh Ed25519 signing key."""
    return wrap_private_key(Ed25519PrivateKey.generate())


def load_signing_key(pem: bytes) -> SigningKey:
    """Read an unencrypted PKCS#8 PEM private key, refusing any key that is not Ed25519."""
    try:
        private_key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyUnreadable("the private key is not an unencrypted PEM key") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyUnreadable("the private key is not an Ed25519 key")
    return wrap_private_key(private_key)


def export_private_pem(key: SigningKey) -> bytes:
    """Write the private key as unencrypted PKCS#8 PEM (for development key files only)."""
    return key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def export_public_pem(public_key: Ed25519PublicKey) -> bytes:
    """Write the public key as SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def export_public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Describe the public key as a JWK (RFC 8037), with its thumbprint as key id."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": encode_base64url(_raw_public_bytes(public_key)),
        "kid": compute_key_id(public_key),
        "alg": "EdDSA",
        "use": "sig",
    }


def _load_public_jwk(document: object) -> Ed25519PublicKey:
    if isinstance(document, dict) and isinstance(document.get("keys"), list) and document["keys"]:
        document = document["keys"][0]
    if not isinstance(document, dict) or document.get("kty") != "OKP" or document.get("crv") != "Ed25519":
        raise SigningKeyUnreadable("the JWK is not an Ed25519 public key")
    x = document.get("x")
    if not isinstance(x, str):
        raise SigningKeyUnreadable("the JWK has no public key value")
    try:
        return Ed25519PublicKey.from_public_bytes(decode_base64url(x))
    except ValueError as error:
        raise SigningKeyUnreadable("the JWK's public key value is malformed") from error


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """Read an Ed25519 public key given as PEM, as a JWK, or as a JWK set (its first key)."""
    stripped = data.strip()
    if stripped.startswith(b"{"):
        try:
            document = json.loads(stripped)
        except ValueError as error:
            raise SigningKeyUnreadable("the key file is not valid JSON") from error
        return _load_public_jwk(document)
    try:
        public_key = serialization.load_pem_public_key(stripped)
    except ValueError as error:
        raise SigningKeyUnreadable("the public key is neither PEM nor a JWK") from error
    if not isinstance(public_key, Ed25519PublicKey):
        raise SigningKeyUnreadable("the public key is not an Ed25519 key")
    return public_key
