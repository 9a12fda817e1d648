"""The registry and every service together: a change made by an operator reaches every service within seconds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx

from shared.auth import CallerKind
from shared.registry import HttpSnapshotSource, OrganisationDirectory
from tests.conftest import AppStarter
from tests.harness import Tokens, routing_client, serve

NAMES = ("eligibility", "payments", "asylum", "testimony")
# An authenticated read per service, and what it answers to a caller the registry accepts.
PROBES = {
    "eligibility": ("/v1/applicants", "applicants:read", 200),
    "payments": ("/v1/accounts/none", "ledger:read", 404),
    "asylum": ("/v1/cases", "cases:read", 200),
    "testimony": ("/v1/publications/none", "testimonies:read", 404),
}
OPERATOR_SCOPES = ("registry:write", "registry:read")


@dataclass
class Deployment:
    registry: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient]
    directories: dict[str, OrganisationDirectory]


@asynccontextmanager
async def deployment(starter: AppStarter, registry_url: str = "http://registry.test") -> AsyncIterator[Deployment]:
    """The registry app and the four services in process, each asking again once its snapshot is 0.1 s old."""
    registry_app, _ = starter.create("registry")
    apps = {name: starter.create(name)[0] for name in NAMES}
    async with AsyncExitStack() as stack:
        router = await stack.enter_async_context(routing_client({"registry": registry_app}))
        directories = {}
        for name, app in apps.items():
            source = HttpSnapshotSource(registry_url, router, app.state.identity)
            directories[name] = app.state.registry_preset = OrganisationDirectory(source, refresh_seconds=0.1)
        registry = await stack.enter_async_context(serve(registry_app, "http://registry.test"))
        services = {name: await stack.enter_async_context(serve(app)) for name, app in apps.items()}
        yield Deployment(registry, services, directories)


async def statuses(system: Deployment, tokens: Tokens, org: str) -> dict[str, int]:
    answers = {}
    for name, (path, scope, _) in PROBES.items():
        response = await system.services[name].get(path, headers=tokens.partner(org, scope))
        answers[name] = response.status_code
    return answers


async def eventually(system: Deployment, tokens: Tokens, org: str, expected: dict[str, int]) -> float:
    """Seconds until every service answers `org` as expected (fails after 5 s)."""
    started = time.monotonic()
    while (answers := await statuses(system, tokens, org)) != expected:
        assert time.monotonic() - started < 5, answers
        await anyio.sleep(0.05)
    return time.monotonic() - started


async def test_an_organisation_is_known_suspended_and_reactivated_everywhere_within_seconds(
    starter: AppStarter, tokens: Tokens
) -> None:
    accepted = {name: answer for name, (_, _, answer) in PROBES.items()}
    async with deployment(starter) as system:
        operator = tokens.headers("platform", CallerKind.operator, *OPERATOR_SCOPES, subject="operator-1")
        assert await statuses(system, tokens, "LV") == dict.fromkeys(NAMES, 401)

        body = {"code": "LV", "kind": "partner", "name": "Latvia", "currencies": ["EUR"]}
        assert (await system.registry.post("/v1/organisations", json=body, headers=operator)).status_code == 201
        await eventually(system, tokens, "LV", accepted)

        suspend = await system.registry.post("/v1/organisations/LV/suspend", json={"reason": "t"}, headers=operator)
        assert suspend.status_code == 200
        assert await eventually(system, tokens, "LV", dict.fromkeys(NAMES, 403)) < 5

        await system.registry.post("/v1/organisations/LV/reactivate", json={"reason": "t"}, headers=operator)
        await eventually(system, tokens, "LV", accepted)
        versions = {directory.version for directory in system.directories.values()}
        assert len(versions) == 1


async def test_a_service_that_never_reached_the_registry_fails_closed_with_503(
    starter: AppStarter, tokens: Tokens
) -> None:
    async with deployment(starter, registry_url="http://nowhere.test") as system:
        for name, (path, scope, _) in PROBES.items():
            response = await system.services[name].get(path, headers=tokens.partner("DE", scope))
            assert response.status_code == 503, name
            assert response.json()["type"].endswith("/registry-unavailable")
