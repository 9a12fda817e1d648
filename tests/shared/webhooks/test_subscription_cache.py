"""A partner's webhook subscriptions are reused across events for a bounded time; changes here are seen at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from shared.outbox import EventPublisher
from shared.outbox.publisher import SUBSCRIPTIONS_SECONDS, webhook_subscriber
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens
from tests.shared.webhooks.helpers import partner, publish, service_app, subscribe
from tests.statements import counting_statements

OPENED = "asylum.case.opened"
CHANGED = "asylum.case.status_changed"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def asylum_app(starter: AppStarter) -> AsyncIterator[Harness]:
    async with service_app(starter, "asylum") as h:
        yield h


@pytest.fixture
def clock(asylum_app: Harness) -> Clock:
    """The app's publisher on a clock the test moves."""
    fake = Clock()
    publisher: EventPublisher = asylum_app.app.state.publisher
    publisher._clock = fake
    return fake


async def _subscribers_of(h: Harness, event_id: str) -> list[str]:
    d = h.app.state.tables.outbox_deliveries
    async with h.app.state.engine.connect() as conn:
        found = await conn.execute(select(d.c.subscriber).where(d.c.event_id == event_id).order_by(d.c.id))
        return [row.subscriber for row in found if row.subscriber.startswith("webhook:")]


async def _publish_counting(h: Harness, event_type: str = OPENED) -> tuple[str, int]:
    with counting_statements(h.app.state.engine) as log:
        event_id = await publish(h, event_type, "DE")
    return event_id, log.kinds().count("SELECT webhook_subscriptions")


async def test_subscriptions_are_read_once_per_interval(asylum_app: Harness, tokens: Tokens, clock: Clock) -> None:
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED])
    first, reads = await _publish_counting(asylum_app)
    assert reads == 1
    assert await _subscribers_of(asylum_app, first) == [webhook_subscriber(sub["id"])]
    clock.now += SUBSCRIPTIONS_SECONDS / 2
    second, reads = await _publish_counting(asylum_app)
    assert reads == 0
    assert await _subscribers_of(asylum_app, second) == [webhook_subscriber(sub["id"])]
    clock.now += SUBSCRIPTIONS_SECONDS / 2
    assert (await _publish_counting(asylum_app))[1] == 1


async def test_a_change_through_this_process_is_seen_by_the_next_event(
    asylum_app: Harness, tokens: Tokens, clock: Clock
) -> None:
    await _publish_counting(asylum_app)  # remembers that DE has no subscription
    sub = await subscribe(asylum_app, tokens, "DE", [OPENED])
    created, _ = await _publish_counting(asylum_app)
    assert await _subscribers_of(asylum_app, created) == [webhook_subscriber(sub["id"])]
    path = f"/v1/webhook-subscriptions/{sub['id']}"
    changed = await asylum_app.client.patch(path, json={"event_types": [CHANGED]}, headers=partner(tokens, "DE"))
    assert changed.status_code == 200, changed.text
    narrowed, _ = await _publish_counting(asylum_app)
    assert await _subscribers_of(asylum_app, narrowed) == []
    deleted = await asylum_app.client.delete(path, headers=partner(tokens, "DE"))
    assert deleted.status_code == 204, deleted.text
    gone, _ = await _publish_counting(asylum_app, CHANGED)
    assert await _subscribers_of(asylum_app, gone) == []


async def test_a_change_through_another_replica_is_seen_within_the_interval(
    asylum_app: Harness, tokens: Tokens, clock: Clock
) -> None:
    await _publish_counting(asylum_app)  # remembers that DE has no subscription
    other_replica = EventPublisher(asylum_app.app.state.tables, [], "asylum")
    tools = asylum_app.app.state.webhook_tools
    asylum_app.app.state.webhook_tools = replace(tools, publisher=other_replica)
    try:
        sub = await subscribe(asylum_app, tokens, "DE", [OPENED])
    finally:
        asylum_app.app.state.webhook_tools = tools
    assert (await _publish_counting(asylum_app))[1] == 0, "within the interval this replica reuses what it read"
    clock.now += SUBSCRIPTIONS_SECONDS
    seen, _ = await _publish_counting(asylum_app)
    assert await _subscribers_of(asylum_app, seen) == [webhook_subscriber(sub["id"])]
