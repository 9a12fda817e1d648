"""Each service's own Ed25519 keys: they sign its events and its tokens, and its peers know the public halves.

A shared secret proves nothing about which of its holders wrote a message, so every service signs with a
private key only it holds. Consumers keep the public keys of each producer by key id; a producer may sign with
several keys at once, which is how a key is rolled over without downtime (publish the new public key to the
consumers, sign with both, retire the old one).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SERVICE_TOKEN_TTL_SECONDS = 60


class ServiceKeyError(ValueError):
    """A configured service key could not be read or is not an Ed25519 key."""


@dataclass(frozen=True)
class SigningKey:
    """One private key of this service and the id its peers know it by."""

    kid: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of a message."""
        return self.private_key.sign(message)


def _split_kid(entry: str) -> tuple[str, str]:
    kid, sep, rest = entry.partition(":")
    if not sep or not kid or not rest:
        raise ServiceKeyError(f"a key entry must read 'kid:path', got {entry!r}")
    return kid, rest


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Read a PKCS#8 PEM Ed25519 private key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ServiceKeyError(f"cannot read the private key at {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ServiceKeyError(f"the key at {path} is not an Ed25519 key")
    return key


def load_public_key(source: str) -> Ed25519PublicKey:
    """Read an Ed25519 public key given as a PEM text or the path of a PEM file."""
    try:
        pem = source.encode() if source.lstrip().startswith("-----BEGIN") else Path(source).read_bytes()
        key = serialization.load_pem_public_key(pem)
    except (OSError, ValueError) as exc:
        raise ServiceKeyError(f"cannot read the public key {source[:80]!r}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ServiceKeyError(f"the public key {source[:80]!r} is not an Ed25519 key")
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of a key's public half."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_signing_keys(entries: Sequence[str]) -> list[SigningKey]:
    """Parse `kid:path` entries into signing keys, in the configured order."""
    keys = []
    for entry in entries:
        kid, path = _split_kid(entry)
        keys.append(SigningKey(kid, load_private_key(Path(path))))
    return keys


@dataclass(frozen=True)
class PeerKeys:
    """The public keys of every service this one trusts, by service name and key id."""

    keys: Mapping[str, Mapping[str, Ed25519PublicKey]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Sequence[str]]) -> PeerKeys:
        """Build from `{service: ["kid:path-or-PEM", ...]}`."""
        parsed: dict[str, dict[str, Ed25519PublicKey]] = {}
        for service, entries in config.items():
            parsed[service] = {}
            for entry in entries:
                kid, source = _split_kid(entry)
                parsed[service][kid] = load_public_key(source)
        return cls(parsed)

    def services(self) -> frozenset[str]:
        """Names of the services whose keys are known."""
        return frozenset(s for s, k in self.keys.items() if k)

    def of(self, service: str) -> Mapping[str, Ed25519PublicKey]:
        """The public keys of one service (empty when unknown)."""
        return self.keys.get(service, {})

    def verifies(self, service: str, message: bytes, signature: bytes) -> bool:
        """Whether any known key of `service` made this signature."""
        for key in self.of(service).values():
            try:
                key.verify(signature, message)
            except InvalidSignature:
                continue
            return True
        return False


@dataclass(frozen=True)
class ServiceIdentity:
    """Who this service is: its name, the keys it signs with (all of them during a rollover) and its peers."""

    name: str
    signing_keys: Sequence[SigningKey]
    peers: PeerKeys

    def __post_init__(self) -> None:
        if not self.signing_keys:
            raise ServiceKeyError(f"service {self.name} has no signing key")

    def sign_all(self, message: bytes) -> list[bytes]:
        """One signature per current signing key."""
        return [key.sign(message) for key in self.signing_keys]

    def issue_token(
        self,
        audience: str,
        scopes: Iterable[str],
        *,
        ttl_seconds: int = SERVICE_TOKEN_TTL_SECONDS,
        now: float | None = None,
    ) -> str:
        """A short-lived bearer token for one call to the `audience` service, with the scopes of that call."""
        issued = int(now if now is not None else time.time())
        key = self.signing_keys[0]
        claims: dict[str, Any] = {
            "iss": f"service:{self.name}",
            "sub": f"service:{self.name}",
            "aud": f"service:{audience}",
            "org": self.name,
            "kind": "service",
            "scope": " ".join(scopes),
            "iat": issued,
            "exp": issued + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": f"{self.name}/{key.kid}"})


def b64(data: bytes) -> str:
    """Standard base64, as Standard Webhooks signatures use it."""
    return base64.b64encode(data).decode()
