"""Blob stores keep bytes behind one interface; sealing makes what they hold unreadable without its key."""

from __future__ import annotations

import io
from pathlib import Path

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from services.testimony.common.storage import (
    BlobMissing,
    BlobSealBroken,
    LocalBlobStore,
    S3BlobStore,
    check_key,
    open_blob,
    seal_blob,
)


async def test_a_local_store_round_trips_and_forgets(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    await store.put("originals/DE/abc", b"sealed bytes")
    assert await store.get("originals/DE/abc") == b"sealed bytes"
    await store.delete("originals/DE/abc")
    with pytest.raises(BlobMissing):
        await store.get("originals/DE/abc")


@pytest.mark.parametrize("key", ["../escape", "/absolute", "a/../../b", ""])
def test_a_key_that_could_escape_the_store_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="unsafe"):
        check_key(key)


async def test_the_s3_store_puts_and_gets_objects_under_its_prefix() -> None:
    client = boto3.client("s3", region_name="eu-central-1", aws_access_key_id="test", aws_secret_access_key="test")
    store = S3BlobStore(client, "carrots-media", "testimony/")
    with Stubber(client) as stub:
        stub.add_response(
            "put_object",
            {},
            {
                "Bucket": "carrots-media",
                "Key": "testimony/originals/DE/1",
                "Body": b"abc",
                "ServerSideEncryption": "AES256",
            },
        )
        stub.add_response(
            "get_object",
            {"Body": StreamingBody(io.BytesIO(b"abc"), 3)},
            {"Bucket": "carrots-media", "Key": "testimony/originals/DE/1"},
        )
        stub.add_client_error("get_object", service_error_code="NoSuchKey", http_status_code=404)
        await store.put("originals/DE/1", b"abc")
        assert await store.get("originals/DE/1") == b"abc"
        with pytest.raises(BlobMissing):
            await store.get("originals/DE/2")
        stub.assert_no_pending_responses()


def test_a_sealed_blob_opens_only_with_its_key_and_context() -> None:
    sealed = seal_blob(b"the original words", "DE/originals/1")
    assert b"original words" not in sealed.ciphertext
    assert open_blob(sealed.ciphertext, sealed.data_key, "DE/originals/1") == b"the original words"
    with pytest.raises(BlobSealBroken):
        open_blob(sealed.ciphertext, sealed.data_key, "PL/originals/1")
    tampered = sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1])
    with pytest.raises(BlobSealBroken):
        open_blob(tampered, sealed.data_key, "DE/originals/1")
