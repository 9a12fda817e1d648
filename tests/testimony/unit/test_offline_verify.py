"""A downloaded item verifies offline against the public key, and any change to it is caught."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.testimony.rendering.domain import PublicItem, SiteContext
from services.testimony.rendering.feeds import build_item_document
from services.testimony.signing.errors import ItemContentMismatch, ItemFormatUnrecognised, SignatureInvalid
from services.testimony.signing.keys import SigningKey, export_public_jwk, export_public_pem, generate_signing_key
from services.testimony.signing.manifests import PublicationManifest, describe_part, describe_text_part, sign_manifest
from services.testimony.signing.verify import verify_downloaded_files, verify_downloaded_item

T0 = datetime(2026, 5, 1, tzinfo=UTC)
TEXT = "I saw the column leave at dawn.\n\nNobody came back."
IMAGE = b"\x89PNG pretend image bytes"
SITE = SiteContext(
    title="Testimonies",
    description="Published with consent.",
    language="en",
    home_url="https://carrots.example/testimonies",
    json_feed_url="https://carrots.example/testimonies/feed.json",
    atom_feed_url="https://carrots.example/testimonies/feed.atom",
    public_key_url="https://carrots.example/.well-known/carrots-testimony-key.json",
    publisher="The programme",
)


def publish(key: SigningKey, text: str = TEXT) -> tuple[str, bytes]:
    manifest = PublicationManifest(
        issuer="https://carrots.example",
        publication_id="pub-1",
        item_id="item-1",
        published_at=T0,
        consent_versions=("3:" + "c" * 64,),
        parts=(describe_text_part(text), describe_part("photo.png", "image/png", IMAGE)),
    )
    jws = sign_manifest(key, manifest)
    item = PublicItem(
        item_id="item-1",
        title="Dawn",
        text=text,
        published_at=T0,
        updated_at=T0,
        page_url="https://carrots.example/testimonies/item-1",
        json_url="https://carrots.example/testimonies/item-1.json",
        manifest_url="https://carrots.example/testimonies/item-1/manifest.jws",
        manifest_jws=jws,
        content_sha256=manifest.content_sha256,
    )
    return jws, json.dumps(build_item_document(item, SITE), ensure_ascii=False).encode()


def test_a_downloaded_item_document_verifies_with_the_public_key() -> None:
    key = generate_signing_key()
    _, document = publish(key)
    report = verify_downloaded_item(document, export_public_pem(key.public_key))
    assert report.verified_parts == ("text",)
    assert report.key_id == key.key_id
    assert report.manifest.consent_versions == ("3:" + "c" * 64,)


def test_an_item_whose_text_was_changed_fails_verification() -> None:
    key = generate_signing_key()
    _, document = publish(key)
    altered = document.replace(b"Nobody came back.", b"Everyone came back.")
    with pytest.raises(ItemContentMismatch):
        verify_downloaded_item(altered, export_public_pem(key.public_key))


def test_an_item_checked_against_another_key_fails_verification() -> None:
    _, document = publish(generate_signing_key())
    with pytest.raises(SignatureInvalid):
        verify_downloaded_item(document, export_public_pem(generate_signing_key().public_key))


def test_a_published_media_file_verifies_with_its_manifest() -> None:
    key = generate_signing_key()
    jws, _ = publish(key)
    jwk = json.dumps(export_public_jwk(key.public_key)).encode()
    assert verify_downloaded_item(IMAGE, jwk, jws).verified_parts == ("photo.png",)
    with pytest.raises(ItemContentMismatch):
        verify_downloaded_item(IMAGE + b"!", jwk, jws)


def test_a_file_that_is_no_item_document_needs_its_manifest() -> None:
    key = generate_signing_key()
    with pytest.raises(ItemFormatUnrecognised):
        verify_downloaded_item(IMAGE, export_public_pem(key.public_key))
    with pytest.raises(ItemFormatUnrecognised):
        verify_downloaded_item(b'{"content_text": "x"}', export_public_pem(key.public_key))


def test_files_on_disk_verify_offline(tmp_path: Path) -> None:
    key = generate_signing_key()
    jws, document = publish(key)
    (tmp_path / "item.json").write_bytes(document)
    (tmp_path / "key.pem").write_bytes(export_public_pem(key.public_key))
    (tmp_path / "photo.png").write_bytes(IMAGE)
    (tmp_path / "manifest.jws").write_text(jws + "\n", encoding="ascii")
    assert verify_downloaded_files(tmp_path / "item.json", tmp_path / "key.pem").verified_parts == ("text",)
    report = verify_downloaded_files(tmp_path / "photo.png", tmp_path / "key.pem", tmp_path / "manifest.jws")
    assert report.verified_parts == ("photo.png",)
