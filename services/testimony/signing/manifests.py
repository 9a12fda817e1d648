"""Publication manifests: what exactly was published, when, under which consent, signed by the programme."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.testimony.consent.chain import format_instant, parse_instant
from services.testimony.signing.errors import SignatureInvalid
from services.testimony.signing.jws import MANIFEST_TYPE, sign_document, verify_document
from services.testimony.signing.keys import SigningKey

TEXT_PART = "text"
TITLE_PART = "title"
PLAIN_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class ManifestPart:
    """One published file: its name within the item, media type, SHA-256 and size."""

    name: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PublicationManifest:
    """The signed statement behind a publication."""

    issuer: str
    publication_id: str
    item_id: str
    published_at: datetime
    consent_versions: tuple[str, ...]
    parts: tuple[ManifestPart, ...]

    @property
    def content_sha256(self) -> str:
        """One SHA-256 standing for every part together."""
        return summarise_parts(self.parts)

    def find_part(self, name: str) -> ManifestPart | None:
        """Return the part with this name, if the manifest lists one."""
        return next((part for part in self.parts if part.name == name), None)


def describe_part(name: str, media_type: str, content: bytes) -> ManifestPart:
    """Hash a published file into a manifest part."""
    return ManifestPart(
        name=name,
        media_type=media_type,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )


def describe_text_part(text: str, name: str = TEXT_PART) -> ManifestPart:
    """Hash a published text (as UTF-8) into a manifest part, by default the main text."""
    return describe_part(name, PLAIN_TEXT, text.encode("utf-8"))


def sign_manifest(key: SigningKey, manifest: PublicationManifest) -> str:
    """Sign a manifest as a compact JWS."""
    claims: dict[str, Any] = {
        "iss": manifest.issuer,
        "iat": int(manifest.published_at.timestamp()),
        "jti": manifest.publication_id,
        "sub": manifest.item_id,
        "published_at": format_instant(manifest.published_at),
        "consent_versions": list(manifest.consent_versions),
        "content_sha256": manifest.content_sha256,
        "parts": [
            {
                "name": p.name,
                "media_type": p.media_type,
                "sha256": p.sha256,
                "size": p.size,
            }
            for p in manifest.parts
        ],
    }
    return sign_document(key, claims, MANIFEST_TYPE)


def _parse_parts(raw: object) -> tuple[ManifestPart, ...]:
    if not isinstance(raw, list):
        raise SignatureInvalid("the manifest lists no parts")
    try:
        return tuple(
            ManifestPart(
                name=str(p["name"]),
                media_type=str(p["media_type"]),
                sha256=str(p["sha256"]),
                size=int(p["size"]),
            )
            for p in raw
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SignatureInvalid("a manifest part is malformed") from error


def read_manifest(token: str, public_key: Ed25519PublicKey) -> PublicationManifest:
    """Verify a signed manifest and return what it states."""
    claims = verify_document(token, public_key, MANIFEST_TYPE)
    try:
        manifest = PublicationManifest(
            issuer=str(claims["iss"]),
            publication_id=str(claims["jti"]),
            item_id=str(claims["sub"]),
            published_at=parse_instant(str(claims["published_at"])),
            consent_versions=tuple(str(v) for v in claims["consent_versions"]),
            parts=_parse_parts(claims.get("parts")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SignatureInvalid("the manifest is missing a required statement") from error
    if claims.get("content_sha256") != manifest.content_sha256:
        raise SignatureInvalid("the manifest's content hash does not match its parts")
    return manifest


def summarise_parts(parts: Sequence[ManifestPart]) -> str:
    """Give one SHA-256 over all parts, handy as a single content hash for feeds and caches."""
    digest = hashlib.sha256()
    for part in sorted(parts, key=lambda p: p.name):
        digest.update(f"{part.name}\n{part.sha256}\n".encode())
    return digest.hexdigest()
