"""All four apps wired in one process: events travel between them through their outboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from carrots.registry import EVENT_ROUTES
from shared.config import ServiceSettings, Subscriber
from shared.outbox import OutboxDispatcher
from tests.conftest import AppStarter
from tests.harness import Harness, routing_client, serve

NAMES = ("eligibility", "payments", "asylum", "testimony")
# Held deliveries wait until then, i.e. until a test lets them go.
HELD_UNTIL = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass
class System:
    """The four apps, their settings, in-process clients and outbox dispatchers."""

    apps: dict[str, FastAPI]
    settings: dict[str, ServiceSettings]
    clients: dict[str, httpx.AsyncClient]
    dispatchers: dict[str, OutboxDispatcher]

    async def deliver_events(self, rounds: int = 10) -> int:
        """Run every outbox until nothing is left to deliver; returns how many deliveries succeeded.

        A delivery a consumer refused fails the test here, rather than leaving a later assertion to guess why.
        """
        total = 0
        for _ in range(rounds):
            delivered = 0
            for dispatcher in self.dispatchers.values():
                delivered += await dispatcher.run_once()
            total += delivered
            if delivered == 0:
                break
        failed = {name: await self.undelivered(name) for name in self.apps}
        assert not any(failed.values()), f"deliveries left undelivered: {failed}"
        return total

    async def undelivered(self, name: str) -> list[tuple[str, str, str | None]]:
        """(subscriber, status, last error) of every delivery of one outbox that has not gone through."""
        deliveries = self.apps[name].state.tables.outbox_deliveries
        async with self.apps[name].state.engine.connect() as conn:
            rows = await conn.execute(
                select(deliveries.c.subscriber, deliveries.c.status, deliveries.c.last_error).where(
                    deliveries.c.status != "delivered"
                )
            )
            return [(row.subscriber, row.status, row.last_error) for row in rows]

    def harness(self, name: str) -> Harness:
        """One app of the system in the shape the service test helpers take."""
        settings = self.settings[name]
        return Harness(name, self.apps[name], self.clients[name], settings, settings.database_url)

    async def outbox_payloads(self, name: str) -> list[dict[str, Any]]:
        """Every event envelope one service wrote to its outbox, oldest first."""
        events = self.apps[name].state.tables.outbox_events
        async with self.apps[name].state.engine.connect() as conn:
            rows = (await conn.execute(select(events.c.payload).order_by(events.c.id))).scalars().all()
        return [dict(row) for row in rows]

    async def hold(self, name: str) -> int:
        """Keep every pending delivery of one service's outbox from going out until `release` lets it go."""
        deliveries = self.apps[name].state.tables.outbox_deliveries
        async with self.apps[name].state.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries).where(deliveries.c.status == "pending").values(next_attempt_at=HELD_UNTIL)
            )
        return int(result.rowcount)

    async def unhold(self, name: str) -> None:
        """Let every held delivery of one service go out with the next dispatch."""
        deliveries = self.apps[name].state.tables.outbox_deliveries
        async with self.apps[name].state.engine.begin() as conn:
            await conn.execute(
                update(deliveries)
                .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at == HELD_UNTIL)
                .values(next_attempt_at=datetime.now(UTC))
            )

    async def release(self, name: str, event_id: str) -> None:
        """Deliver one held event of a service to every subscriber now, and nothing else of that service."""
        deliveries = self.apps[name].state.tables.outbox_deliveries
        async with self.apps[name].state.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries)
                .where(deliveries.c.event_id == event_id, deliveries.c.status == "pending")
                .values(next_attempt_at=datetime.now(UTC))
            )
        assert result.rowcount, f"no held delivery of event {event_id}"
        assert await self.dispatchers[name].run_once() == result.rowcount
        assert not await self.undelivered(name) or all(
            status == "pending" and error is None for _, status, error in await self.undelivered(name)
        ), await self.undelivered(name)

    async def deliver_in_order(self, name: str, event_ids: Sequence[str]) -> None:
        """Deliver held events of one service in this order, each followed through the other services, then the rest."""
        for event_id in event_ids:
            await self.release(name, event_id)
            # What the consumers announced in turn travels before the next of the held events.
            for other, dispatcher in self.dispatchers.items():
                if other != name:
                    await dispatcher.run_once()
        await self.unhold(name)
        await self.deliver_events()

    async def undeliver(self, name: str) -> int:
        """Mark every delivery of one service's outbox pending again, as a lost acknowledgement would."""
        deliveries = self.apps[name].state.tables.outbox_deliveries
        async with self.apps[name].state.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries).values(status="pending", leased_until=None, delivered_at=None)
            )
        return int(result.rowcount)


@asynccontextmanager
async def start_system(starter: AppStarter, **overrides: Any) -> AsyncIterator[System]:
    """The four apps wired together, each with the same settings `overrides`."""
    apps: dict[str, FastAPI] = {}
    settings: dict[str, ServiceSettings] = {}
    for name in NAMES:
        subscribers = [
            Subscriber(name=target, url=f"http://{target}.test/v1/events", event_types=types)
            for target, types in EVENT_ROUTES[name]
        ]
        apps[name], settings[name] = starter.create(name, subscribers=subscribers, **overrides)
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(serve(app, f"http://{name}.test")) for name, app in apps.items()
        }
        router = await stack.enter_async_context(routing_client(apps))
        dispatchers = {
            name: OutboxDispatcher(
                app.state.sessionmaker,
                app.state.tables,
                app.state.identity,
                router,
                cipher=app.state.cipher,
                base_delay=0.0,
                tracing=app.state.tracing,
            )
            for name, app in apps.items()
        }
        yield System(apps, settings, clients, dispatchers)


@pytest.fixture
async def system(starter: AppStarter) -> AsyncIterator[System]:
    async with start_system(starter) as running:
        yield running


@pytest.fixture
async def system_with_own_vault(starter: AppStarter, tmp_path: Path) -> AsyncIterator[System]:
    """The four apps on a key vault of their own, for tests that destroy a partner's key-encryption key."""
    async with start_system(starter, key_vault_dir=tmp_path / "vault") as running:
        yield running
