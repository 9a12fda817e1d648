"""The public feeds: JSON Feed 1.1 and Atom (RFC 4287, with RFC 6721 tombstones for withdrawn items)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from services.testimony.consent.chain import format_instant
from services.testimony.rendering.domain import PublicItem, SiteContext, Tombstone
from services.testimony.signing.verify import EXTENSION_KEY, MANIFEST_KEY

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_MEDIA_TYPE = "application/feed+json"
ATOM_MEDIA_TYPE = "application/atom+xml"
ATOM_NS = "http://www.w3.org/2005/Atom"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"


def build_item_document(item: PublicItem, site: SiteContext) -> dict[str, Any]:
    """Describe one item as a JSON Feed item; saved alone, it is what `verify_downloaded_item` checks."""
    document: dict[str, Any] = {
        "id": item.item_id,
        "url": item.page_url,
        "title": item.title,
        "content_text": item.text,
        "date_published": format_instant(item.published_at),
        "date_modified": format_instant(item.updated_at),
        EXTENSION_KEY: {
            MANIFEST_KEY: item.manifest_jws,
            "manifest_url": item.manifest_url,
            "content_sha256": item.content_sha256,
            "public_key_url": site.public_key_url,
        },
    }
    if item.attribution is not None:
        document["authors"] = [{"name": item.attribution}]
    if item.media:
        document["attachments"] = [
            {
                "url": media.url,
                "mime_type": media.media_type,
                "size_in_bytes": media.size,
            }
            for media in item.media
        ]
    return document


def build_json_feed(site: SiteContext, items: Sequence[PublicItem]) -> dict[str, Any]:
    """Build the JSON Feed 1.1 document listing the published items."""
    return {
        "version": JSON_FEED_VERSION,
        "title": site.title,
        "description": site.description,
        "language": site.language,
        "home_page_url": site.home_url,
        "feed_url": site.json_feed_url,
        "authors": [{"name": site.publisher}],
        "items": [build_item_document(item, site) for item in items],
    }


def atom_entry_id(item_id: str) -> str:
    """Give an item a permanent Atom id that survives a change of domain."""
    try:
        return uuid.UUID(item_id).urn
    except ValueError:
        return f"tag:carrots.invalid,2026:testimony/{item_id}"


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _add_text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, _atom(tag))
    element.text = text
    return element


def _add_link(parent: etree._Element, href: str, rel: str, media_type: str | None = None) -> None:
    link = etree.SubElement(parent, _atom("link"), href=href, rel=rel)
    if media_type is not None:
        link.set("type", media_type)


def _add_entry(feed: etree._Element, item: PublicItem) -> None:
    entry = etree.SubElement(feed, _atom("entry"))
    _add_text(entry, "id", atom_entry_id(item.item_id))
    _add_text(entry, "title", item.title)
    _add_text(entry, "published", format_instant(item.published_at))
    _add_text(entry, "updated", format_instant(item.updated_at))
    _add_link(entry, item.page_url, "alternate", "text/html")
    _add_link(entry, item.json_url, "alternate", "application/json")
    _add_link(entry, item.manifest_url, "describedby", "application/jose")
    for media in item.media:
        _add_link(entry, media.url, "enclosure", media.media_type)
    if item.attribution is not None:
        author = etree.SubElement(entry, _atom("author"))
        _add_text(author, "name", item.attribution)
    content = _add_text(entry, "content", item.text)
    content.set("type", "text")


def _add_tombstone(feed: etree._Element, tombstone: Tombstone) -> None:
    deleted = etree.SubElement(
        feed,
        f"{{{TOMBSTONE_NS}}}deleted-entry",
        ref=atom_entry_id(tombstone.item_id),
        when=format_instant(tombstone.withdrawn_at),
    )
    etree.SubElement(deleted, _atom("link"), href=tombstone.page_url)


def render_atom_feed(
    site: SiteContext,
    items: Sequence[PublicItem],
    tombstones: Sequence[Tombstone] = (),
    now: datetime | None = None,
) -> bytes:
    """Render the Atom feed; withdrawn items appear only as tombstones, with no title or text."""
    # lxml names the default namespace with the key None, which its stubs do not allow for.
    feed = etree.Element(_atom("feed"), nsmap={None: ATOM_NS, "at": TOMBSTONE_NS})  # type: ignore[dict-item]
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", site.language)
    _add_text(feed, "id", site.atom_feed_url)
    _add_text(feed, "title", site.title)
    _add_text(feed, "subtitle", site.description)
    moments = [item.updated_at for item in items] + [t.withdrawn_at for t in tombstones]
    updated = max(moments) if moments else now
    _add_text(
        feed,
        "updated",
        format_instant(updated) if updated is not None else "1970-01-01T00:00:00Z",
    )
    author = etree.SubElement(feed, _atom("author"))
    _add_text(author, "name", site.publisher)
    _add_link(feed, site.atom_feed_url, "self", ATOM_MEDIA_TYPE)
    _add_link(feed, site.home_url, "alternate", "text/html")
    for item in items:
        _add_entry(feed, item)
    for tombstone in tombstones:
        _add_tombstone(feed, tombstone)
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))
