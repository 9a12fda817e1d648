from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request, Response
from sqlalchemy import event, select

from shared.config import Subscriber
from shared.outbox import EventPublisher, OutboxDispatcher
from shared.schemas.events import CaseOpened
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey, public_pem
from shared.webhooks import verify_event
from tests.harness import Harness
from tests.shared.probe import tables

KEY = Ed25519PrivateKey.generate()
IDENTITY = ServiceIdentity("asylum", [SigningKey("k1", KEY)], PeerKeys())
RECEIVER_TRUSTS = PeerKeys.from_config({"asylum": [f"k1:{public_pem(KEY).decode()}"]})


def flaky_receiver(failures: int) -> tuple[FastAPI, Counter[str]]:
    """A subscriber that fails its first `failures` calls, then accepts; counts accepted event ids."""
    app = FastAPI()
    received: Counter[str] = Counter()
    calls = {"n": 0}

    @app.post("/v1/events")
    async def receive(request: Request) -> Response:
        body = await request.body()
        verify_event(RECEIVER_TRUSTS, request.headers, body)
        calls["n"] += 1
        if calls["n"] <= failures:
            return Response(status_code=503)
        received[json.loads(body)["id"]] += 1
        return Response(status_code=204)

    return app, received


async def _publish(h: Harness, n: int, subscriber_url: str = "http://receiver.test/v1/events") -> list[str]:
    publisher = EventPublisher(tables, [Subscriber(name="receiver", url=subscriber_url)], "asylum")
    ids = []
    async with h.app.state.sessionmaker() as session, session.begin():
        for i in range(n):
            env = await publisher.publish(
                session,
                "asylum.case.opened",
                CaseOpened(case_id=f"c{i}", applicant_id="a", partner_id="DE"),
                partner_id="DE",
            )
            ids.append(env.id)
    return ids


def _dispatcher(h: Harness, receiver: FastAPI, **kw: object) -> OutboxDispatcher:
    client = httpx.AsyncClient(mounts={"http://receiver.test": httpx.ASGITransport(app=receiver)})
    return OutboxDispatcher(h.app.state.sessionmaker, tables, IDENTITY, client, base_delay=0.0, **kw)  # type: ignore[arg-type]


async def _statuses(h: Harness) -> list[tuple[str, int]]:
    d = tables.outbox_deliveries
    async with h.app.state.sessionmaker() as session:
        return [
            (r.status, r.attempts) for r in await session.execute(select(d.c.status, d.c.attempts).order_by(d.c.id))
        ]


async def test_failing_subscriber_gets_the_event_once_it_recovers(probe: Harness) -> None:
    receiver, received = flaky_receiver(failures=2)
    [event_id] = await _publish(probe, 1)
    dispatcher = _dispatcher(probe, receiver)
    assert await dispatcher.run_once() == 0
    assert await _statuses(probe) == [("pending", 1)]
    assert await dispatcher.run_once() == 0
    assert await dispatcher.run_once() == 1
    assert received == {event_id: 1}
    assert await _statuses(probe) == [("delivered", 3)]
    assert await dispatcher.run_once() == 0
    assert received == {event_id: 1}


async def test_delivery_is_dead_after_max_attempts(probe: Harness) -> None:
    receiver, received = flaky_receiver(failures=100)
    await _publish(probe, 1)
    dispatcher = _dispatcher(probe, receiver, max_attempts=3)
    for _ in range(5):
        await dispatcher.run_once()
    assert await _statuses(probe) == [("dead", 3)]
    assert not received


async def test_events_are_not_written_when_the_transaction_rolls_back(probe: Harness) -> None:
    publisher = EventPublisher(tables, [], "probe")

    async def publish_then_fail() -> None:
        async with probe.app.state.sessionmaker() as session, session.begin():
            await publisher.publish(
                session, "x", CaseOpened(case_id="c", applicant_id="a", partner_id="DE"), partner_id="DE"
            )
            raise RuntimeError("work failed")

    with pytest.raises(RuntimeError):
        await publish_then_fail()
    async with probe.app.state.sessionmaker() as session:
        assert (await session.execute(select(tables.outbox_events.c.id))).first() is None


async def test_two_replicas_never_deliver_the_same_event_twice(probe: Harness) -> None:
    receiver, received = flaky_receiver(failures=0)
    ids = await _publish(probe, 60)
    first = _dispatcher(probe, receiver, batch_size=7)
    second = _dispatcher(probe, receiver, batch_size=7)
    for _ in range(20):
        await asyncio.gather(first.run_once(), second.run_once())
    assert set(received) == set(ids)
    assert max(received.values()) == 1


async def test_lanes_of_one_dispatcher_deliver_every_event_once(probe: Harness) -> None:
    # On SQLite (no row locks) lanes read the same candidates; the lease's guarded update keeps them apart.
    receiver, received = flaky_receiver(failures=0)
    ids = await _publish(probe, 45)
    dispatcher = _dispatcher(probe, receiver, batch_size=4, events_per_request=1, lanes=3)
    assert await dispatcher.drain() == 45
    assert set(received) == set(ids)
    assert max(received.values()) == 1
    assert {status for status, _ in await _statuses(probe)} == {"delivered"}


async def test_many_events_are_published_in_three_statements_in_order(probe: Harness) -> None:
    publisher = EventPublisher(tables, [Subscriber(name="receiver", url="http://receiver.test/v1/events")], "asylum")
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = probe.app.state.engine.sync_engine
    async with probe.app.state.sessionmaker() as session, session.begin():
        event.listen(engine, "before_cursor_execute", count)
        try:
            envelopes = await publisher.publish_many(
                session,
                [
                    ("asylum.case.opened", CaseOpened(case_id=f"c{i}", applicant_id="a", partner_id="DE"))
                    for i in range(20)
                ],
                partner_id="DE",
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
    # The events, the partner's webhook subscriptions, the deliveries (SQLite's executemany is one statement too).
    assert len(statements) <= 3
    e, d = tables.outbox_events, tables.outbox_deliveries
    async with probe.app.state.sessionmaker() as session:
        assert list((await session.execute(select(e.c.event_id).order_by(e.c.id))).scalars()) == [
            x.id for x in envelopes
        ]
        assert list((await session.execute(select(d.c.event_id).order_by(d.c.id))).scalars()) == [
            x.id for x in envelopes
        ]
