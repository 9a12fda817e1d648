"""Public surfaces for machines: JSON Feed, Atom, item documents, manifests, media, and the public key.

Open without a token. Every surface answers 410 for a withdrawn or lapsed testimony. The HTML pages of the
same testimonies are in `pages/`.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from services.testimony.common.toolkit import PUBLIC_ROOT, WELL_KNOWN_KEYS, WELL_KNOWN_PEM, utc_now
from services.testimony.deps import ToolkitDep
from services.testimony.public import service
from services.testimony.rendering.feeds import (
    ATOM_MEDIA_TYPE,
    JSON_FEED_MEDIA_TYPE,
    build_item_document,
    build_json_feed,
    render_atom_feed,
)
from services.testimony.signing.keys import export_public_jwk_set, export_public_pem
from shared.auth import public
from shared.deps import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["public"])
OPEN = public("published testimonies and the key that verifies them are meant for everyone")
# Nothing here runs in a browser; browsers are told so. Caches must revalidate, so a withdrawal reaches readers.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=0, must-revalidate",
}


def _json(document: object, media_type: str = "application/json") -> Response:
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Response(body, media_type=media_type, headers=HEADERS)


@router.get(f"{PUBLIC_ROOT}/feed.json", responses={200: {"content": {JSON_FEED_MEDIA_TYPE: {}}}}, **OPEN)
async def json_feed(session: SessionDep, kit: ToolkitDep) -> Response:
    """The published testimonies as a JSON Feed 1.1, newest first."""
    items = await service.list_public_items(session, kit, utc_now())
    return _json(build_json_feed(service.site_context(kit), items), JSON_FEED_MEDIA_TYPE)


@router.get(f"{PUBLIC_ROOT}/feed.atom", responses={200: {"content": {ATOM_MEDIA_TYPE: {}}}}, **OPEN)
async def atom_feed(session: SessionDep, kit: ToolkitDep) -> Response:
    """The published testimonies as an Atom feed, newest first, with tombstones for those withdrawn."""
    now = utc_now()
    items = await service.list_public_items(session, kit, now)
    tombstones = await service.list_tombstones(session, kit, now)
    body = render_atom_feed(service.site_context(kit), items, tombstones, now=now)
    return Response(body, media_type=ATOM_MEDIA_TYPE, headers=HEADERS)


@router.get(f"{PUBLIC_ROOT}/{{publication_id}}/item.json", responses=problem_responses(404, 410), **OPEN)
async def item_document(publication_id: str, session: SessionDep, kit: ToolkitDep) -> Response:
    """One published testimony as a JSON Feed item carrying its signed manifest (410 once withdrawn)."""
    item = await service.find_public_item(session, kit, publication_id, utc_now())
    return _json(build_item_document(item, service.site_context(kit)))


@router.get(
    f"{PUBLIC_ROOT}/{{publication_id}}/manifest.jws",
    responses={**problem_responses(404, 410), 200: {"content": {"application/jose": {}}}},
    **OPEN,
)
async def manifest(publication_id: str, session: SessionDep, kit: ToolkitDep) -> Response:
    """The signed manifest of a published testimony (410 once withdrawn)."""
    item = await service.find_public_item(session, kit, publication_id, utc_now())
    return Response(item.manifest_jws, media_type="application/jose", headers=HEADERS)


@router.get(f"{PUBLIC_ROOT}/{{publication_id}}/media/{{name}}", responses=problem_responses(404, 410), **OPEN)
async def media(publication_id: str, name: str, session: SessionDep, kit: ToolkitDep) -> Response:
    """A stripped media file of a published testimony (410 once withdrawn); originals are never served."""
    content, media_type = await service.read_public_media(session, kit, publication_id, name, utc_now())
    return Response(content, media_type=media_type, headers={**HEADERS, "Content-Disposition": "inline"})


@router.get(WELL_KNOWN_KEYS, **OPEN)
async def public_keys(kit: ToolkitDep) -> JSONResponse:
    """Every key that ever signed for the programme as a JWK set: the current one first, retired ones after.

    Pick the key by the `kid` in a document's JWS header; retired keys carry `retired_at`.
    """
    return JSONResponse(export_public_jwk_set(kit.signing_key, kit.retired_keys), headers=HEADERS)


@router.get(WELL_KNOWN_PEM, responses={200: {"content": {"application/x-pem-file": {}}}}, **OPEN)
async def public_key_pem(kit: ToolkitDep) -> Response:
    """The programme's current signing key as PEM (retired keys are in the JWK set only)."""
    return Response(export_public_pem(kit.signing_key.public_key), media_type="application/x-pem-file", headers=HEADERS)
