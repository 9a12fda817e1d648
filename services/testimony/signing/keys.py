"""The programme's Ed25519 signing key: generate, load, export, and name it by its JWK thumbprint."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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


@dataclass(frozen=True)
class RetiredPublicKey:
    """The public half of a key that signed for the programme before a rotation, and when it stopped."""

    public_key: Ed25519PublicKey
    key_id: str
    retired_at: datetime


def retire_public_key(public_key: Ed25519PublicKey, retired_at: datetime) -> RetiredPublicKey:
    """Pair a retired public key with its key id and the moment it stopped signing."""
    return RetiredPublicKey(public_key=public_key, key_id=compute_key_id(public_key), retired_at=retired_at)


def export_public_jwk_set(current: SigningKey, retired: Sequence[RetiredPublicKey] = ()) -> dict[str, object]:
    """Describe every key that ever signed as a JWK set: the current one first, retired ones with `retired_at`."""
    keys: list[dict[str, str]] = [export_public_jwk(current.public_key)]
    seen = {current.key_id}
    for old in sorted(retired, key=lambda k: k.retired_at, reverse=True):
        if old.key_id in seen:
            continue
        seen.add(old.key_id)
        keys.append({**export_public_jwk(old.public_key), "retired_at": format_utc(old.retired_at)})
    return {"keys": keys}


def format_utc(moment: datetime) -> str:
    """Write a moment as RFC 3339 in UTC with a `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _load_public_jwk(document: object) -> Ed25519PublicKey:
    if not isinstance(document, dict) or document.get("kty") != "OKP" or document.get("crv") != "Ed25519":
        raise SigningKeyUnreadable("the JWK is not an Ed25519 public key")
    x = document.get("x")
    if not isinstance(x, str):
        raise SigningKeyUnreadable("the JWK has no public key value")
    try:
        return Ed25519PublicKey.from_public_bytes(decode_base64url(x))
    except ValueError as error:
        raise SigningKeyUnreadable("the JWK's public key value is malformed") from error


def _read_json(data: bytes) -> object:
    try:
        return json.loads(data)
    except ValueError as error:
        raise SigningKeyUnreadable("the key file is not valid JSON") from error


def _jwks_members(document: object) -> list[object] | None:
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        members: list[object] = document["keys"]
        if not members:
            raise SigningKeyUnreadable("the JWK set holds no key")
        return members
    return None


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """Read an Ed25519 public key given as PEM, as a JWK, or as a JWK set (its first key, the current one)."""
    stripped = data.strip()
    if stripped.startswith(b"{"):
        document = _read_json(stripped)
        members = _jwks_members(document)
        return _load_public_jwk(document if members is None else members[0])
    return _load_public_pem(stripped)


def load_public_keys(data: bytes) -> dict[str, Ed25519PublicKey]:
    """Read every Ed25519 public key of a PEM, a JWK or a JWK set, each under its thumbprint key id.

    Ids are recomputed from the keys rather than trusted from a `kid` member, so a set cannot
    file one key under another key's name.
    """
    stripped = data.strip()
    if stripped.startswith(b"{"):
        document = _read_json(stripped)
        members = _jwks_members(document)
        keys = [_load_public_jwk(member) for member in (members if members is not None else [document])]
    else:
        keys = [_load_public_pem(stripped)]
    return {compute_key_id(key): key for key in keys}


def _load_public_pem(stripped: bytes) -> Ed25519PublicKey:
    try:
        public_key = serialization.load_pem_public_key(stripped)
    except ValueError as error:
        raise SigningKeyUnreadable("the public key is neither PEM nor a JWK") from error
    if not isinstance(public_key, Ed25519PublicKey):
        raise SigningKeyUnreadable("the public key is not an Ed25519 key")
    return public_key
