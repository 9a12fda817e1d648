"""A service that is down in the middle of a journey loses nothing: its events wait and arrive once it is back."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shared.outbox import OutboxDispatcher
from tests.flows.conftest import System
from tests.flows.journey import (
    assess_and_approve,
    case_of,
    obligations_by_trigger,
    prepare_partner,
    register_family,
)
from tests.harness import Tokens


def refuse_connections(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def router_with_one_service_down(apps: dict[str, FastAPI], down: str) -> httpx.AsyncClient:
    """Routes `http://<service>.test` to each app in process, except that `down` refuses every connection."""
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        f"http://{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items() if name != down
    }
    mounts[f"http://{down}.test"] = httpx.MockTransport(refuse_connections)
    return httpx.AsyncClient(mounts=mounts)


async def waiting_for(system: System, source: str, subscriber: str) -> list[tuple[str, int, str | None]]:
    deliveries = system.apps[source].state.tables.outbox_deliveries
    async with system.apps[source].state.engine.connect() as conn:
        rows = await conn.execute(
            select(deliveries.c.status, deliveries.c.attempts, deliveries.c.last_error).where(
                deliveries.c.subscriber == subscriber, deliveries.c.status != "delivered"
            )
        )
        return [(row.status, row.attempts, row.last_error) for row in rows]


async def test_events_for_a_stopped_service_wait_and_arrive_once_it_is_back(system: System, tokens: Tokens) -> None:
    await prepare_partner(system, tokens)
    applicant_id, _ = await register_family(system, tokens)
    await system.deliver_events()

    # Payments stops; the approval is given meanwhile, and eligibility's worker keeps trying.
    eligibility = system.apps["eligibility"]
    async with router_with_one_service_down(system.apps, "payments") as router:
        worker_dispatch = OutboxDispatcher(
            eligibility.state.sessionmaker, eligibility.state.tables, eligibility.state.identity, router, base_delay=0
        )
        await assess_and_approve(system, tokens, applicant_id)
        for _ in range(3):
            await worker_dispatch.run_once()
    waiting = await waiting_for(system, "eligibility", "payments")
    assert [(status, attempts) for status, attempts, _ in waiting] == [("pending", 3)]
    assert waiting[0][2] is not None
    assert waiting[0][2].startswith("ConnectError")
    # Asylum was up and opened the case at once; nothing reached payments.
    assert (await case_of(system, tokens, applicant_id))["applicant_id"] == applicant_id
    assert await obligations_by_trigger(system, tokens, applicant_id) == {}

    # Payments is back: the next dispatch delivers what waited, and the approval becomes its obligations.
    await system.deliver_events()
    assert await waiting_for(system, "eligibility", "payments") == []
    assert set(await obligations_by_trigger(system, tokens, applicant_id)) == {"verified_arrival", "asylum_granted"}
