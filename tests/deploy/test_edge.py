"""A service behind an ingress: it answers under its path prefix, and its internal routes stay on the internal port."""

from __future__ import annotations

import pytest

from carrots.registry import SERVICES
from tests.conftest import AppStarter
from tests.harness import serve

PUBLIC_PORT, INTERNAL_PORT = 8000, 8001


@pytest.mark.parametrize("name", list(SERVICES))
async def test_a_service_answers_under_its_ingress_prefix_and_at_the_root(starter: AppStarter, name: str) -> None:
    app, _ = starter.create(name, root_path=f"/{name}")
    async with serve(app, base_url=f"http://{name}:{PUBLIC_PORT}") as client:
        for path in (f"/{name}/readyz", "/readyz"):
            answer = await client.get(path)
            assert answer.status_code == 200, path
            assert answer.json()["service"] == name
        # A route that needs a token is reached (401), not missed (404), under the prefix.
        protected = next(
            p
            for p, ops in app.openapi()["paths"].items()
            if p.startswith("/v1/") and "{" not in p and "get" in ops and ops["get"].get("security")
        )
        assert (await client.get(f"/{name}{protected}")).status_code == 401
        docs = await client.get(f"/{name}/docs")
        assert f"/{name}/openapi.json" in docs.text
        assert (await client.get(f"/{name}/openapi.json")).json()["info"]["title"] == f"carrots {name}"
        # Only the exact prefix counts: `/paymentsx/...` is not under `/payments`.
        assert (await client.get(f"/{name}x/readyz")).status_code == 404


async def test_events_and_metrics_answer_only_on_the_internal_port(starter: AppStarter) -> None:
    app, _ = starter.create("payments", root_path="/payments", internal_port=INTERNAL_PORT)
    async with (
        serve(app, base_url=f"http://payments:{PUBLIC_PORT}") as public,
        serve(app, base_url=f"http://payments:{INTERNAL_PORT}") as internal,
    ):
        for path in ("/metrics", "/payments/metrics"):
            refused = await public.get(path)
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"
            assert "internal port" in refused.json()["detail"]
        assert (await public.post("/v1/events", json={})).status_code == 404
        assert (await public.post("/payments/v1/events", json={})).status_code == 404
        assert (await internal.get("/metrics")).status_code == 200
        # Unsigned, so refused by the event route itself: it was reached.
        assert (await internal.post("/v1/events", json={})).status_code == 401
        # The API stays off the internal port; the probes answer on both.
        assert (await internal.get("/v1/accounts")).status_code == 404
        assert (await public.get("/payments/v1/accounts")).status_code == 401
        for client in (public, internal):
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200


async def test_without_an_internal_port_every_route_answers_on_the_one_port(starter: AppStarter) -> None:
    app, _ = starter.create("payments")
    async with serve(app) as client:
        assert (await client.get("/metrics")).status_code == 200
        assert (await client.post("/v1/events", json={})).status_code == 401
