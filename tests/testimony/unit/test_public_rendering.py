"""Public feeds show only published derivatives and list withdrawn ones only as tombstones."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from lxml import etree

from services.testimony.rendering.domain import PublicItem, PublicMedia, SiteContext, Tombstone
from services.testimony.rendering.feeds import (
    ATOM_NS,
    JSON_FEED_VERSION,
    TOMBSTONE_NS,
    build_json_feed,
    render_atom_feed,
)

T0 = datetime(2026, 6, 1, 9, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & "quotes"'
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


def make_item(
    title: str = "At the river", text: str = "First.\n\nSecond.", attribution: str | None = None
) -> PublicItem:
    item_id = str(uuid.uuid4())
    base = f"https://carrots.example/testimonies/{item_id}"
    return PublicItem(
        item_id=item_id,
        title=title,
        text=text,
        published_at=T0,
        updated_at=T0 + timedelta(hours=1),
        page_url=base,
        json_url=f"{base}.json",
        manifest_url=f"{base}/manifest.jws",
        manifest_jws="eyJ.header.sig",
        content_sha256="ab" * 32,
        attribution=attribution,
        media=(PublicMedia("photo.jpg", f"{base}/media/photo.jpg", "image/jpeg", "cd" * 32, 2048),),
    )


def test_the_json_feed_follows_version_1_1_and_carries_each_manifest() -> None:
    items = [make_item(attribution="Pavel"), make_item()]
    feed = json.loads(json.dumps(build_json_feed(SITE, items)))
    assert feed["version"] == JSON_FEED_VERSION
    assert feed["feed_url"] == SITE.json_feed_url
    assert [entry["id"] for entry in feed["items"]] == [item.item_id for item in items]
    first, second = feed["items"]
    assert first["content_text"] == "First.\n\nSecond."
    assert first["authors"] == [{"name": "Pavel"}]
    assert "authors" not in second
    assert first["_carrots"]["manifest"] == "eyJ.header.sig"
    assert first["attachments"][0]["mime_type"] == "image/jpeg"
    assert first["date_published"] == "2026-06-01T09:00:00.000000Z"


def test_the_atom_feed_lists_entries_and_only_tombstones_for_withdrawn_items() -> None:
    live = make_item(title=HOSTILE)
    gone = Tombstone(str(uuid.uuid4()), "https://carrots.example/testimonies/gone", T0 + timedelta(days=2))
    document = etree.fromstring(render_atom_feed(SITE, [live], [gone]))
    ns = {"a": ATOM_NS, "at": TOMBSTONE_NS}
    entries = document.findall("a:entry", ns)
    assert len(entries) == 1
    assert entries[0].findtext("a:title", namespaces=ns) == HOSTILE
    assert entries[0].findtext("a:id", namespaces=ns) == f"urn:uuid:{live.item_id}"
    assert document.findtext("a:updated", namespaces=ns) == "2026-06-03T09:00:00.000000Z"
    deleted = document.findall("at:deleted-entry", ns)
    assert [d.get("ref") for d in deleted] == [f"urn:uuid:{gone.item_id}"]
    assert deleted[0].find("a:title", ns) is None


def test_an_empty_atom_feed_is_still_valid() -> None:
    document = etree.fromstring(render_atom_feed(SITE, [], now=T0))
    assert document.findtext(f"{{{ATOM_NS}}}updated") == "2026-06-01T09:00:00.000000Z"
