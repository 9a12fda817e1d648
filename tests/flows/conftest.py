"""All four apps wired in one process: events travel between them through their outboxes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from carrots.registry import EVENT_ROUTES
from shared.config import Subscriber
from shared.outbox import OutboxDispatcher
from tests.conftest import AppStarter
from tests.harness import routing_client, serve

NAMES = ("eligibility", "payments", "asylum", "testimony")


@dataclass
class System:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    dispatchers: dict[str, OutboxDispatcher]

    async def deliver_events(self, rounds: int = 10) -> int:
        """Run every outbox until nothing is left to deliver; returns how many deliveries succeeded."""
        total = 0
        for _ in range(rounds):
            delivered = 0
            for dispatcher in self.dispatchers.values():
                delivered += await dispatcher.run_once()
            total += delivered
            if delivered == 0:
                return total
        return total


@pytest.fixture
async def system(starter: AppStarter) -> AsyncIterator[System]:
    apps: dict[str, FastAPI] = {}
    for name in NAMES:
        subscribers = [
            Subscriber(name=target, url=f"http://{target}.test/v1/events", event_types=types)
            for target, types in EVENT_ROUTES[name]
        ]
        apps[name], _ = starter.create(name, subscribers=subscribers)
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(serve(app, f"http://{name}.test")) for name, app in apps.items()
        }
        router = await stack.enter_async_context(routing_client(apps))
        dispatchers = {
            name: OutboxDispatcher(
                app.state.sessionmaker, app.state.tables, app.state.webhook_secret, router, base_delay=0.0
            )
            for name, app in apps.items()
        }
        yield System(apps, clients, dispatchers)
