"""Blob storage behind one narrow interface (local files by default, any S3-compatible store in production).

Whatever is stored is sealed first: AES-GCM with a fresh key per blob, that key itself encrypted with the
owning partner's field key, so destroying a partner's keys also erases its blobs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$")


class BlobMissing(Exception):
    """No blob is stored under the key."""


class BlobSealBroken(Exception):
    """A sealed blob was altered, or opened with the wrong key or context."""


class BlobStore(Protocol):
    """Stores opaque bytes under a key; knows nothing of what they mean."""

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing nothing (keys are fresh ids)."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the bytes under `key` or raise BlobMissing."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the bytes under `key`, if any."""
        ...


def check_key(key: str) -> str:
    """Refuse keys that could escape the store's root or confuse an object store."""
    if not _SAFE_KEY.match(key) or ".." in key:
        raise ValueError(f"unsafe blob key {key!r}")
    return key


class LocalBlobStore:
    """Blobs as files under a root folder, written atomically."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.chmod(0o600)
        os.replace(partial, path)

    def _read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise BlobMissing(key) from error

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`."""
        await anyio.to_thread.run_sync(self._write, key, data)

    async def get(self, key: str) -> bytes:
        """Return the bytes under `key`."""
        return await anyio.to_thread.run_sync(self._read, key)

    async def delete(self, key: str) -> None:
        """Remove the file under `key`, if any."""
        await anyio.to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))


class S3BlobStore:
    """Blobs as objects of one bucket in any S3-compatible store, through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def _object_key(self, key: str) -> str:
        return self._prefix + check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        """Store `data` as an object (server-side encryption on top of our own sealing)."""
        await anyio.to_thread.run_sync(
            lambda: self._client.put_object(
                Bucket=self._bucket, Key=self._object_key(key), Body=data, ServerSideEncryption="AES256"
            )
        )

    async def get(self, key: str) -> bytes:
        """Return the object's bytes."""

        def read() -> bytes:
            try:
                response = self._client.get_object(Bucket=self._bucket, Key=self._object_key(key))
            except self._client.exceptions.NoSuchKey as error:
                raise BlobMissing(key) from error
            body: bytes = response["Body"].read()
            return body

        return await anyio.to_thread.run_sync(read)

    async def delete(self, key: str) -> None:
        """Remove the object."""
        await anyio.to_thread.run_sync(
            lambda: self._client.delete_object(Bucket=self._bucket, Key=self._object_key(key))
        )


def create_s3_client(endpoint_url: str | None, region: str | None) -> Any:
    """A boto3 S3 client; credentials come from the usual AWS environment variables or instance role."""
    import boto3

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


@dataclass(frozen=True)
class SealedBlob:
    """Ciphertext to store and the fresh key that opens it (to be wrapped before it is stored)."""

    ciphertext: bytes
    data_key: bytes


def seal_blob(data: bytes, context: str) -> SealedBlob:
    """Encrypt bytes with a fresh AES-256-GCM key; `context` (the blob's key) is bound as associated data."""
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    return SealedBlob(nonce + AESGCM(data_key).encrypt(nonce, data, context.encode()), data_key)


def open_blob(ciphertext: bytes, data_key: bytes, context: str) -> bytes:
    """Decrypt a sealed blob, refusing one that was altered or moved to another key."""
    try:
        return AESGCM(data_key).decrypt(ciphertext[:12], ciphertext[12:], context.encode())
    except (InvalidTag, ValueError) as error:
        raise BlobSealBroken(context) from error
