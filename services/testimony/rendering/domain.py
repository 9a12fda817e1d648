"""What the public surfaces show: published items and withdrawn ones, with no internal identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PublicMedia:
    """A published media file (always a stripped derivative)."""

    name: str
    url: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PublicItem:
    """A published testimony as every public surface shows it."""

    item_id: str
    title: str
    text: str
    published_at: datetime
    updated_at: datetime
    page_url: str
    json_url: str
    manifest_url: str
    manifest_jws: str
    content_sha256: str
    attribution: str | None = None
    media: tuple[PublicMedia, ...] = ()


@dataclass(frozen=True)
class Tombstone:
    """A withdrawn item, announced so feed readers and mirrors drop their copy."""

    item_id: str
    page_url: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class SiteContext:
    """The programme-wide facts every page and feed needs."""

    title: str
    description: str
    language: str
    home_url: str
    json_feed_url: str
    atom_feed_url: str
    public_key_url: str
    publisher: str
