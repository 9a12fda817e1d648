"""Master keys behind one small interface: from the environment, or from AWS KMS.

A master key wraps other keys (partner key-encryption keys in a directory vault, and every data key
after its inner wrap). `current_kid` wraps everything new; the others only unwrap, until a rotation has
re-wrapped what they protect and they are retired from configuration.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import anyio.to_thread
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.keys.errors import CiphertextInvalid, MasterKeyUnknown

NONCE_BYTES = 12


class MasterKeys(Protocol):
    """Wraps and unwraps small secrets (keys) under a named master key."""

    @property
    def current_kid(self) -> str:
        """The key id that wraps everything new."""
        ...

    def knows(self, kid: str) -> bool:
        """Whether this process can unwrap what `kid` wrapped."""
        ...

    async def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """Wrap under the current key, bound to `aad`; returns (key id, blob)."""
        ...

    async def unwrap(self, kid: str, blob: bytes, aad: bytes) -> bytes:
        """Open a blob wrapped under `kid` with the same `aad`."""
        ...


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a random nonce, returned as nonce + ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Open what `seal` made with the same key and `aad`."""
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise CiphertextInvalid("wrapped key was altered or belongs elsewhere") from exc


class StaticMasterKeys:
    """Master keys held in memory: from `<P>_MASTER_KEYS` in production, from `var/keys/` in development."""

    def __init__(self, ring: Mapping[str, bytes]) -> None:
        if not ring:
            raise ValueError("at least one master key is required")
        self._ring = dict(ring)
        self._current = next(iter(self._ring))

    @property
    def current_kid(self) -> str:
        """The first configured key id."""
        return self._current

    def knows(self, kid: str) -> bool:
        """Whether `kid` is configured."""
        return kid in self._ring

    async def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """AES-256-GCM under the current key."""
        return self._current, seal(self._ring[self._current], plaintext, aad)

    async def unwrap(self, kid: str, blob: bytes, aad: bytes) -> bytes:
        """AES-256-GCM under `kid`, which must be configured."""
        key = self._ring.get(kid)
        if key is None:
            raise MasterKeyUnknown(f"master key {kid} is not configured")
        return open_sealed(key, blob, aad)


def kms_context(aad: bytes) -> dict[str, str]:
    """The KMS encryption context for `aad` (KMS logs it with each call: ids and versions, never personal data)."""
    return {"carrots": aad.decode("utf-8")}


class KmsMasterKeys:
    """Master keys that never leave AWS KMS: key ids (ARNs) configured in order, the first one current."""

    def __init__(self, client: Any, key_ids: Sequence[str]) -> None:
        if not key_ids:
            raise ValueError("at least one KMS key id is required")
        self._client = client
        self._ids = list(key_ids)

    @property
    def current_kid(self) -> str:
        """The first configured KMS key id."""
        return self._ids[0]

    def knows(self, kid: str) -> bool:
        """Whether `kid` is one of the configured KMS keys."""
        return kid in self._ids

    async def wrap(self, plaintext: bytes, aad: bytes) -> tuple[str, bytes]:
        """KMS Encrypt under the current key, with `aad` as encryption context."""
        kid = self.current_kid
        answer = await anyio.to_thread.run_sync(
            lambda: self._client.encrypt(KeyId=kid, Plaintext=plaintext, EncryptionContext=kms_context(aad))
        )
        return kid, bytes(answer["CiphertextBlob"])

    async def unwrap(self, kid: str, blob: bytes, aad: bytes) -> bytes:
        """KMS Decrypt under `kid`, which must be configured."""
        if not self.knows(kid):
            raise MasterKeyUnknown(f"master key {kid} is not configured")
        from botocore.exceptions import ClientError

        try:
            answer = await anyio.to_thread.run_sync(
                lambda: self._client.decrypt(KeyId=kid, CiphertextBlob=blob, EncryptionContext=kms_context(aad))
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidCiphertextException":
                raise CiphertextInvalid("wrapped key was altered or belongs elsewhere") from exc
            raise
        return bytes(answer["Plaintext"])
