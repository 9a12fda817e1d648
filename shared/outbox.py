"""Transactional outbox: events are written with the work and delivered afterwards, at least once.

`EventPublisher.publish` inserts the event and one delivery per interested subscriber in the caller's
transaction. `OutboxDispatcher` leases due deliveries (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
replicas never deliver the same one at the same time), posts each signed with this service's own Ed25519
key(s), and retries failures with exponential backoff until `max_attempts`, after which the delivery is marked dead.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from pydantic import BaseModel
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Subscriber
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope
from shared.servicekeys import ServiceIdentity
from shared.webhooks import sign_event

log = structlog.get_logger("carrots.outbox")


class EventPublisher:
    """Writes events to the outbox in the caller's transaction."""

    def __init__(self, tables: PlumbingTables, subscribers: Sequence[Subscriber], source: str) -> None:
        self._tables = tables
        self._subscribers = list(subscribers)
        self._source = source

    async def publish(
        self,
        session: AsyncSession,
        event_type: str,
        data: BaseModel,
        *,
        partner_id: str | None,
    ) -> EventEnvelope:
        """Record an event; it is delivered only if the surrounding transaction commits."""
        now = datetime.now(UTC)
        envelope = EventEnvelope(
            id=str(uuid.uuid4()),
            type=event_type,
            source=self._source,
            occurred_at=now,
            partner_id=partner_id,
            data=data.model_dump(mode="json"),
        )
        await session.execute(
            insert(self._tables.outbox_events).values(
                event_id=envelope.id,
                type=event_type,
                partner_id=partner_id,
                payload=envelope.model_dump(mode="json"),
                created_at=now,
            )
        )
        targets = [s for s in self._subscribers if "*" in s.event_types or event_type in s.event_types]
        if targets:
            await session.execute(
                insert(self._tables.outbox_deliveries),
                [
                    {
                        "event_id": envelope.id,
                        "subscriber": s.name,
                        "url": str(s.url),
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for s in targets
                ],
            )
        return envelope


def backoff_delay(attempts: int, *, base: float = 1.0, cap: float = 600.0) -> float:
    """Seconds to wait before the next attempt: exponential, capped, with full jitter."""
    return random.uniform(0, min(cap, base * (2 ** max(attempts - 1, 0))))


class OutboxDispatcher:
    """Delivers pending events to subscribers over HTTP."""

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        identity: ServiceIdentity,
        client: httpx.AsyncClient,
        *,
        batch_size: int = 50,
        lease_seconds: float = 30.0,
        max_attempts: int = 12,
        base_delay: float = 1.0,
    ) -> None:
        self._maker = maker
        self._tables = tables
        self._identity = identity
        self._client = client
        self._batch = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._base_delay = base_delay

    async def _lease_due(self) -> list[tuple[int, str, str, int, dict[str, object]]]:
        d, e = self._tables.outbox_deliveries, self._tables.outbox_events
        now = datetime.now(UTC)
        async with self._maker() as session, session.begin():
            ids = (
                (
                    await session.execute(
                        select(d.c.id)
                        .where(
                            d.c.status == "pending",
                            d.c.next_attempt_at <= now,
                            or_(d.c.leased_until.is_(None), d.c.leased_until < now),
                        )
                        .order_by(d.c.id)
                        .limit(self._batch)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if not ids:
                return []
            await session.execute(update(d).where(d.c.id.in_(ids)).values(leased_until=now + self._lease))
            rows = await session.execute(
                select(d.c.id, d.c.url, d.c.subscriber, d.c.attempts, e.c.payload)
                .join(e, e.c.event_id == d.c.event_id)
                .where(d.c.id.in_(ids))
                .order_by(d.c.id)
            )
            return [(r.id, r.url, r.subscriber, r.attempts, r.payload) for r in rows]

    async def _deliver(self, url: str, payload: dict[str, object]) -> str | None:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = sign_event(self._identity, body, event_id=str(payload["id"]))
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def run_once(self) -> int:
        """Deliver every due delivery once; returns how many succeeded."""
        leased = await self._lease_due()
        results = await asyncio.gather(*(self._deliver(url, payload) for _, url, _, _, payload in leased))
        delivered = 0
        d = self._tables.outbox_deliveries
        now = datetime.now(UTC)
        async with self._maker() as session, session.begin():
            for (delivery_id, _, subscriber, attempts, payload), error in zip(leased, results, strict=True):
                if error is None:
                    delivered += 1
                    values: dict[str, object] = {
                        "status": "delivered",
                        "attempts": attempts + 1,
                        "delivered_at": now,
                        "leased_until": None,
                        "last_error": None,
                    }
                else:
                    tries = attempts + 1
                    dead = tries >= self._max_attempts
                    values = {
                        "status": "dead" if dead else "pending",
                        "attempts": tries,
                        "leased_until": None,
                        "last_error": error[:500],
                        "next_attempt_at": now + timedelta(seconds=backoff_delay(tries, base=self._base_delay)),
                    }
                    log.warning(
                        "event_delivery_failed",
                        subscriber=subscriber,
                        event_id=payload["id"],
                        attempt=tries,
                        dead=dead,
                        error=error[:200],
                    )
                await session.execute(update(d).where(d.c.id == delivery_id).values(**values))
        return delivered

    async def run_forever(self, poll_seconds: float) -> None:
        """Poll the outbox until cancelled."""
        while True:
            try:
                delivered = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox_dispatch_error")
                delivered = 0
            if delivered == 0:
                await asyncio.sleep(poll_seconds)
