"""What the public sees: live publications only; anything taken down or lapsed is gone (410)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import PUBLIC_ROOT, WELL_KNOWN_KEYS, Toolkit, load_sealed
from services.testimony.errors import PublicationNotFound
from services.testimony.models import DerivativeMedia, Publication
from services.testimony.public.errors import PublicationGone
from services.testimony.publication import service as publications
from services.testimony.publication.service import public_paths
from services.testimony.rendering.domain import PublicItem, PublicMedia, SiteContext, Tombstone
from services.testimony.review.redaction import MEDIA_FIELD
from shared.tenancy import ALL_TENANTS, scope_to_tenant


def site_context(kit: Toolkit) -> SiteContext:
    """The programme-wide facts for pages and feeds."""
    return SiteContext(
        title="Testimonies",
        description="Testimonies published with their authors' consent, for as long as that consent lasts.",
        language="en",
        home_url=kit.public_url(PUBLIC_ROOT),
        json_feed_url=kit.public_url(f"{PUBLIC_ROOT}/feed.json"),
        atom_feed_url=kit.public_url(f"{PUBLIC_ROOT}/feed.atom"),
        public_key_url=kit.public_url(WELL_KNOWN_KEYS),
        publisher=kit.settings.programme_name,
    )


def is_live(row: Publication, now: datetime) -> bool:
    """Whether a publication may be served at this moment."""
    lapsed = row.covered_until is not None and row.covered_until <= now
    return row.taken_down_at is None and not lapsed and row.text is not None


def _to_item(kit: Toolkit, row: Publication, media: Sequence[DerivativeMedia]) -> PublicItem:
    page, item, manifest = (kit.public_url(path) for path in public_paths(row.id))
    published = row.published_at
    return PublicItem(
        item_id=row.id,
        title=row.title or "",
        text=row.text or "",
        published_at=published,
        updated_at=published,
        page_url=page,
        json_url=item,
        manifest_url=manifest,
        manifest_jws=row.manifest or "",
        content_sha256=row.content_sha256,
        attribution=row.attribution,
        media=tuple(
            PublicMedia(
                name=m.name,
                url=kit.public_url(f"{PUBLIC_ROOT}/{row.id}/media/{m.name}"),
                media_type=m.media_type,
                sha256=m.sha256,
                size=m.size,
            )
            for m in media
        ),
    )


async def list_public_items(session: AsyncSession, kit: Toolkit, now: datetime) -> list[PublicItem]:
    """Every publication the public may see now, newest first."""
    scope_to_tenant(session, ALL_TENANTS)
    rows = [row for row in await publications.list_public(session, now) if is_live(row, now)]
    media = await publications.list_public_media(session, [row.derivative_id for row in rows])
    return [_to_item(kit, row, [m for m in media if m.derivative_id == row.derivative_id]) for row in rows]


async def list_tombstones(session: AsyncSession, kit: Toolkit, now: datetime) -> list[Tombstone]:
    """Recently withdrawn or lapsed publications, announced so that readers and mirrors delete them."""
    scope_to_tenant(session, ALL_TENANTS)
    tombstones = []
    for row in await publications.list_withdrawn(session, now):
        gone_at = row.taken_down_at or row.covered_until or now
        tombstones.append(Tombstone(row.id, kit.public_url(public_paths(row.id)[0]), gone_at))
    return tombstones


async def _find_live_row(session: AsyncSession, publication_id: str, now: datetime) -> Publication:
    scope_to_tenant(session, ALL_TENANTS)
    row = await publications.find_public(session, publication_id)
    if row is None:
        raise PublicationNotFound("No testimony was ever published under this address.")
    if not is_live(row, now):
        raise PublicationGone("This testimony has been withdrawn and is no longer published.")
    return row


async def find_public_item(session: AsyncSession, kit: Toolkit, publication_id: str, now: datetime) -> PublicItem:
    """A live publication, or 410 when it was taken down or lapsed, or 404 when it never was."""
    row = await _find_live_row(session, publication_id, now)
    media = await publications.list_public_media(session, [row.derivative_id])
    return _to_item(kit, row, media)


async def read_public_media(
    session: AsyncSession, kit: Toolkit, publication_id: str, name: str, now: datetime
) -> tuple[bytes, str]:
    """The stripped media file of a live publication (never an original)."""
    row = await _find_live_row(session, publication_id, now)
    media = next(
        (m for m in await publications.list_public_media(session, [row.derivative_id]) if m.name == name), None
    )
    if media is None:
        raise PublicationNotFound("This testimony has no media file of that name.")
    content = await load_sealed(
        session, kit, media.partner_id, media.storage_key, media.wrapped_key, field=MEDIA_FIELD, row=media.id
    )
    return content, media.media_type
