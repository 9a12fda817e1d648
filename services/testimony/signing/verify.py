"""Offline verification of downloaded items and of receipts against the programme's public keys, with no network."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.testimony.signing.errors import (
    ItemContentMismatch,
    ItemFormatUnrecognised,
    SignatureInvalid,
)
from services.testimony.signing.jws import CONSENT_RECEIPT_TYPE, TAKEDOWN_RECEIPT_TYPE, read_document_header
from services.testimony.signing.keys import load_public_keys
from services.testimony.signing.manifests import (
    TEXT_PART,
    TITLE_PART,
    PublicationManifest,
    read_manifest,
)
from services.testimony.signing.receipts import read_consent_receipt, read_takedown_receipt

# A published item document is a JSON Feed 1.1 item; the manifest travels in its extension object.
EXTENSION_KEY = "_carrots"
MANIFEST_KEY = "manifest"


@dataclass(frozen=True)
class VerificationReport:
    """What was proven: the manifest, the key that signed it, and which parts matched it."""

    manifest: PublicationManifest
    key_id: str | None
    verified_parts: tuple[str, ...]


def select_signing_key(token: str, public_key_data: bytes) -> Ed25519PublicKey:
    """Pick, by the `kid` in a JWS header, the key that signed it from a PEM, a JWK or a JWK set.

    After a rotation the published set holds retired keys too, so older documents still verify.
    """
    keys = load_public_keys(public_key_data)
    key_id = read_document_header(token).get("kid")
    if isinstance(key_id, str):
        if key_id not in keys:
            raise SignatureInvalid(f"the document was signed by key {key_id}, which the given keys do not include")
        return keys[key_id]
    if len(keys) != 1:
        raise SignatureInvalid("the document names no key id, so no key of the set can be chosen")
    return next(iter(keys.values()))


def verify_item_parts(manifest_jws: str, public_key_data: bytes, parts: Mapping[str, bytes]) -> VerificationReport:
    """Check a manifest's signature, then that every given part has exactly the hash it vouches for."""
    manifest = read_manifest(manifest_jws, select_signing_key(manifest_jws, public_key_data))
    if not parts:
        raise ItemContentMismatch("no content was given to check against the manifest")
    for name, content in parts.items():
        listed = manifest.find_part(name)
        if listed is None:
            raise ItemContentMismatch(f"the manifest lists no part named {name!r}")
        if hashlib.sha256(content).hexdigest() != listed.sha256:
            raise ItemContentMismatch(f"part {name!r} differs from what was published")
    key_id = read_document_header(manifest_jws).get("kid")
    return VerificationReport(
        manifest=manifest,
        key_id=key_id if isinstance(key_id, str) else None,
        verified_parts=tuple(parts),
    )


def _read_item_document(item: bytes) -> tuple[str, dict[str, str]]:
    try:
        document: Any = json.loads(item)
    except (ValueError, UnicodeDecodeError) as error:
        raise ItemFormatUnrecognised("the item is not a JSON item document; give its manifest too") from error
    if not isinstance(document, dict):
        raise ItemFormatUnrecognised("the item document is not a JSON object")
    extension = document.get(EXTENSION_KEY)
    manifest = extension.get(MANIFEST_KEY) if isinstance(extension, dict) else None
    texts = {TEXT_PART: document.get("content_text"), TITLE_PART: document.get("title")}
    if not isinstance(manifest, str) or not isinstance(texts[TEXT_PART], str):
        raise ItemFormatUnrecognised("the item document carries no manifest or no text")
    return manifest, {name: value for name, value in texts.items() if isinstance(value, str)}


def verify_downloaded_item(item: bytes, public_key_data: bytes, manifest_jws: str | None = None) -> VerificationReport:
    """Verify a downloaded item: a JSON item document alone, or any published file with its manifest."""
    if manifest_jws is None:
        manifest, texts = _read_item_document(item)
        listed = read_manifest(manifest, select_signing_key(manifest, public_key_data))
        # The title is checked whenever the manifest vouches for one; the text always is.
        parts = {
            name: value.encode("utf-8")
            for name, value in texts.items()
            if name == TEXT_PART or listed.find_part(name) is not None
        }
        return verify_item_parts(manifest, public_key_data, parts)
    digest = hashlib.sha256(item).hexdigest()
    manifest_claims = read_manifest(manifest_jws.strip(), select_signing_key(manifest_jws.strip(), public_key_data))
    matching = next((part for part in manifest_claims.parts if part.sha256 == digest), None)
    if matching is None:
        raise ItemContentMismatch("the file is not any part of the published item")
    return verify_item_parts(manifest_jws.strip(), public_key_data, {matching.name: item})


def verify_downloaded_files(
    item_path: Path, public_key_path: Path, manifest_path: Path | None = None
) -> VerificationReport:
    """Verify an item saved on disk against a key file (PEM, JWK or JWK set) and, for media, a manifest file."""
    manifest = None if manifest_path is None else manifest_path.read_text(encoding="ascii")
    return verify_downloaded_item(item_path.read_bytes(), public_key_path.read_bytes(), manifest)


@dataclass(frozen=True)
class ReceiptReport:
    """A receipt whose signature holds: its kind, the key that signed it and what it states."""

    kind: str
    key_id: str | None
    claims: dict[str, Any]

    def summary(self) -> str:
        """One line saying what the receipt proves."""
        claims = self.claims
        if self.kind == CONSENT_RECEIPT_TYPE:
            said = (
                f"consent receipt: {claims.get('event')} of record {claims.get('sub')} for testimony "
                f"{claims.get('testimony_id')}, version {claims.get('consent_version')}, at {claims.get('occurred_at')}"
            )
        else:
            said = (
                f"takedown receipt: publication {claims.get('sub')} of testimony {claims.get('testimony_id')} "
                f"taken down at {claims.get('taken_down_at')} ({claims.get('reason')})"
            )
        return f"{said}, signed by key {self.key_id or 'without id'}"


def receipt_token_of(saved: bytes) -> str:
    """The receipt in a saved file: the compact JWS itself, or an API answer carrying it under `receipt`."""
    text = saved.decode("utf-8").strip()
    if text.startswith("{"):
        document: Any = json.loads(text)
        receipt = document.get("receipt") if isinstance(document, dict) else None
        if not isinstance(receipt, str):
            raise ItemFormatUnrecognised("the JSON file carries no `receipt`")
        return receipt.strip()
    return text


def verify_receipt(saved: bytes, public_key_data: bytes) -> ReceiptReport:
    """Verify a consent or takedown receipt against the programme's keys (PEM, JWK or the published JWK set)."""
    try:
        token = receipt_token_of(saved)
    except (ValueError, UnicodeDecodeError) as error:
        raise ItemFormatUnrecognised("the file holds no receipt") from error
    kind = read_document_header(token).get("typ")
    if kind == CONSENT_RECEIPT_TYPE:
        claims = read_consent_receipt(token, select_signing_key(token, public_key_data))
    elif kind == TAKEDOWN_RECEIPT_TYPE:
        claims = read_takedown_receipt(token, select_signing_key(token, public_key_data))
    else:
        raise SignatureInvalid("the document is neither a consent receipt nor a takedown receipt")
    key_id = read_document_header(token).get("kid")
    return ReceiptReport(str(kind), key_id if isinstance(key_id, str) else None, claims)
