"""Writing events to the outbox, in the transaction of the work they announce.

`EventPublisher.publish` inserts the event and one delivery per interested receiver in the caller's
transaction: each peer service subscribed to the type, and each active webhook subscription of the partner
the event belongs to (never another partner's).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Subscriber
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope
from shared.tracing import current_traceparent

WEBHOOK_SUBSCRIBER_PREFIX = "webhook:"


class UnknownEventType(RuntimeError):
    """A service published an event type its catalogue (`shared.schemas.catalogue`) does not list."""


def webhook_subscriber(subscription_id: str) -> str:
    """The `subscriber` of a delivery to a partner's webhook subscription."""
    return f"{WEBHOOK_SUBSCRIBER_PREFIX}{subscription_id}"


def subscribes_to(event_types: Iterable[str], event_type: str) -> bool:
    """Whether a subscription's list of event types covers one type."""
    return event_type in set(event_types)


class EventPublisher:
    """Writes events to the outbox in the caller's transaction."""

    def __init__(
        self,
        tables: PlumbingTables,
        subscribers: Sequence[Subscriber],
        source: str,
        *,
        catalogue: frozenset[str] | None = None,
    ) -> None:
        self._tables = tables
        self._subscribers = list(subscribers)
        self._source = source
        self._catalogue = catalogue

    @property
    def tables(self) -> PlumbingTables:
        """The service's plumbing tables (outbox, audit log, ...)."""
        return self._tables

    @property
    def source(self) -> str:
        """The name of the service that publishes."""
        return self._source

    @property
    def subscribers(self) -> Sequence[Subscriber]:
        """The peer services this publisher queues deliveries for."""
        return self._subscribers

    @property
    def catalogue(self) -> frozenset[str] | None:
        """The event types this publisher may publish (None: any)."""
        return self._catalogue

    async def publish(
        self,
        session: AsyncSession,
        event_type: str,
        data: BaseModel,
        *,
        partner_id: str | None,
    ) -> EventEnvelope:
        """Record an event; it is delivered only if the surrounding transaction commits.

        `partner_id` names the partner whose record the event is about: only that partner's webhooks receive it.
        """
        if self._catalogue is not None and event_type not in self._catalogue:
            raise UnknownEventType(f"{event_type} is not in {self._source}'s event catalogue")
        now = datetime.now(UTC)
        envelope = EventEnvelope(
            id=str(uuid.uuid4()),
            type=event_type,
            source=self._source,
            occurred_at=now,
            partner_id=partner_id,
            data=data.model_dump(mode="json"),
            traceparent=current_traceparent(),
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
        deliveries: list[dict[str, Any]] = [
            {
                "event_id": envelope.id,
                "subscriber": s.name,
                "url": str(s.url),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for s in self._subscribers
            if "*" in s.event_types or event_type in s.event_types
        ]
        if partner_id is not None:
            deliveries += [
                {
                    "event_id": envelope.id,
                    "subscriber": webhook_subscriber(sub.id),
                    "url": sub.url,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "subscription_id": sub.id,
                    "partner_id": partner_id,
                }
                for sub in await self._partner_subscriptions(session, partner_id)
                if subscribes_to(sub.event_types, event_type)
            ]
        if deliveries:
            # One column set for every row: peer deliveries carry no subscription and no partner.
            rows = [{"subscription_id": None, "partner_id": None, **row} for row in deliveries]
            await session.execute(insert(self._tables.outbox_deliveries), rows)
        return envelope

    async def _partner_subscriptions(self, session: AsyncSession, partner_id: str) -> Sequence[Any]:
        s = self._tables.webhook_subscriptions
        return (
            await session.execute(
                select(s.c.id, s.c.url, s.c.event_types).where(s.c.partner_id == partner_id, s.c.active.is_(True))
            )
        ).all()
