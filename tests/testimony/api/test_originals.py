"""Originals are sealed at intake, hashed, and never served by any endpoint."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import anyio.to_thread

from services.testimony import config
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import (
    ORIGINAL_TEXT,
    SECRET_WORD,
    image_with_gps,
    officer,
    published_testimony,
)


def read_all_files(root: Path) -> list[bytes]:
    """The bytes of every file under a folder."""
    return [path.read_bytes() for path in root.rglob("*") if path.is_file()]


async def test_no_endpoint_ever_serves_an_original(testimony: Harness, tokens: Tokens) -> None:
    image = image_with_gps()
    journey = await published_testimony(testimony, tokens, media=image)
    values = {
        "testimony_id": journey["testimony"]["id"],
        "derivative_id": journey["derivative"]["id"],
        "publication_id": journey["publication"]["id"],
        "record_id": journey["consent"]["record_id"],
        "name": "media-1.jpg",
    }
    for original in journey["testimony"]["originals"]:
        values.setdefault("original_id", original["id"])
    paths = [path for path, item in testimony.app.openapi()["paths"].items() if "get" in item]
    assert any("{testimony_id}" in path for path in paths)
    bodies: list[bytes] = []
    for template in paths:
        path = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "unknown"), template)
        for headers in (officer(tokens), {}):
            bodies.append((await testimony.client.get(path, headers=headers)).content)
    subject_view = await testimony.client.post(
        "/public/consent/derivatives", json={"token": journey["consent"]["withdrawal_token"]}
    )
    bodies.append(subject_view.content)
    assert any(b"The morning of the ninth" in body for body in bodies), "the crawl must reach the published item"
    for body in bodies:
        assert SECRET_WORD.encode() not in body
        assert image not in body
        assert b"Model X" not in body


async def test_the_intake_hash_is_the_sha256_of_what_was_submitted(testimony: Harness, tokens: Tokens) -> None:
    image = image_with_gps()
    journey = await published_testimony(testimony, tokens, media=image)
    response = await testimony.client.get(f"/v1/testimonies/{journey['testimony']['id']}", headers=officer(tokens))
    hashes = {o["kind"]: o["sha256"] for o in response.json()["originals"]}
    assert hashes == {
        "text": hashlib.sha256(ORIGINAL_TEXT.encode()).hexdigest(),
        "media": hashlib.sha256(image).hexdigest(),
    }
    assert "text" not in response.json()


async def test_originals_are_encrypted_at_rest(testimony: Harness, tokens: Tokens) -> None:
    image = image_with_gps()
    await published_testimony(testimony, tokens, media=image)
    settings = testimony.settings
    assert isinstance(settings, config.TestimonySettings)
    stored = await anyio.to_thread.run_sync(read_all_files, settings.blob_dir())
    assert stored
    for blob in stored:
        assert SECRET_WORD.encode() not in blob
        assert b"shell the village" not in blob
        assert image[100:160] not in blob
