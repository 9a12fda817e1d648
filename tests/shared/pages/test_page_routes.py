"""Pages are HTML for people: out of the JSON API's schema, yet each says who may call it and why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from tests.conftest import AppStarter

PAGES = {
    "asylum": {"/status", "/language", "/assets/pages.css"},
    "testimony": {
        "/my-testimony",
        "/my-testimony/open",
        "/my-testimony/consent",
        "/my-testimony/narrow",
        "/my-testimony/withdraw",
        "/my-testimony/answer",
        "/my-testimony/receipt",
        "/my-testimony/close",
        "/public/testimonies",
        "/public/testimonies/{publication_id}",
        "/language",
        "/assets/pages.css",
    },
}


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route of an app, inside included routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


async def test_every_page_is_kept_out_of_the_api_schema_and_declares_why_it_is_open(starter: AppStarter) -> None:
    for name, paths in PAGES.items():
        app, _ = starter.create(name)
        pages = {route.path: route for route in api_routes(app.routes) if not route.include_in_schema}
        assert paths <= set(pages), f"{name}: missing pages {paths - set(pages)}"
        schema_paths = set(app.openapi()["paths"])
        for path in paths:
            assert path not in schema_paths, path
            extra = pages[path].openapi_extra or {}
            assert extra.get("x-public") is True, path
            assert extra["x-tenant-rule"].startswith("Open without a token: "), path
            assert len(extra["x-tenant-rule"]) > 40, f"{path} gives no reason why it is open"


async def test_every_route_of_both_apps_declares_who_may_call_it(starter: AppStarter) -> None:
    for name in PAGES:
        app, _ = starter.create(name)
        for route in api_routes(app.routes):
            if route.path in {"/healthz", "/readyz", "/metrics", "/v1/events", "/v1/events/batch"}:
                continue
            extra = route.openapi_extra or {}
            assert extra.get("x-public") is True or "x-required-scopes" in extra, f"{name} {route.path}"
