"""Writing events to the outbox, in the transaction of the work they announce.

`EventPublisher.publish` inserts the event and one delivery per interested receiver in the caller's
transaction: each peer service subscribed to the type, and each active webhook subscription of the partner
the event belongs to (never another partner's).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared.bulk_insert import insert_rows
from shared.config import Subscriber
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope
from shared.tracing import current_traceparent

WEBHOOK_SUBSCRIBER_PREFIX = "webhook:"
# How long a process reuses a partner's webhook subscriptions across transactions. A delivery to a subscription
# deleted or paused meanwhile is cancelled when it is leased, and it goes to the subscription's current URL.
SUBSCRIPTIONS_SECONDS = 1.0
MAX_REMEMBERED_PARTNERS = 10_000
_MOMENT: TypeAdapter[datetime] = TypeAdapter(datetime)


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
        subscriptions_seconds: float = SUBSCRIPTIONS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tables = tables
        self._subscribers = list(subscribers)
        self._source = source
        self._catalogue = catalogue
        # Each partner's active webhook subscriptions, reused for `subscriptions_seconds`: a change made through this
        # process is seen at once (`forget_subscriptions`), one made through another replica within that bound.
        self._hooks: dict[str, tuple[Sequence[Any], float]] = {}
        self._hooks_seconds = subscriptions_seconds
        self._clock = clock

    @property
    def tables(self) -> PlumbingTables:
        """The service's plumbing tables (outbox, audit log, ...)."""
        return self._tables

    @property
    def source(self) -> str:
        """The name of the service that publishes."""
        return self._source

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
        [envelope] = await self.publish_many(session, [(event_type, data)], partner_id=partner_id)
        return envelope

    async def publish_many(
        self, session: AsyncSession, events: Sequence[tuple[str, BaseModel]], *, partner_id: str | None
    ) -> list[EventEnvelope]:
        """Record several events of one partner (type and payload each) in three statements at most, in order.

        Many events (a bulk intake's chunk) are written with COPY on PostgreSQL (`insert_rows`).
        """
        envelopes, event_rows = self._envelopes(events, partner_id)
        if not envelopes:
            return []
        await insert_rows(session, self._tables.outbox_events, event_rows)
        await insert_rows(
            session, self._tables.outbox_deliveries, await self._deliveries(session, envelopes, partner_id)
        )
        return envelopes

    async def prepare_many(
        self, session: AsyncSession, events: Sequence[tuple[str, BaseModel]], *, partner_id: str | None
    ) -> tuple[list[EventEnvelope], list[dict[str, Any]], list[dict[str, Any]]]:
        """The envelopes, `outbox_events` rows and `outbox_deliveries` rows `publish_many` would insert.

        For a caller that writes them itself in the same transaction (with its own rows, in one statement): they
        must be inserted, events before deliveries, or the events are never delivered. Reads the partner's webhook
        subscriptions; writes nothing.
        """
        envelopes, event_rows = self._envelopes(events, partner_id)
        if not envelopes:
            return [], [], []
        return envelopes, event_rows, await self._deliveries(session, envelopes, partner_id)

    def _envelopes(
        self, events: Sequence[tuple[str, BaseModel]], partner_id: str | None
    ) -> tuple[list[EventEnvelope], list[dict[str, Any]]]:
        for event_type, _ in events:
            if self._catalogue is not None and event_type not in self._catalogue:
                raise UnknownEventType(f"{event_type} is not in {self._source}'s event catalogue")
        now = datetime.now(UTC)
        traceparent = current_traceparent() if events else None
        envelopes = [
            EventEnvelope(
                id=str(uuid.uuid4()),
                type=event_type,
                source=self._source,
                occurred_at=now,
                partner_id=partner_id,
                data=data.model_dump(mode="json"),
                traceparent=traceparent,
            )
            for event_type, data in events
        ]
        # The payload is the envelope as `model_dump(mode="json")` gives it, assembled from the validated fields:
        # the data is JSON already, and the one moment is rendered once for every event.
        occurred_at = _MOMENT.dump_python(now, mode="json")
        rows = [
            {
                "event_id": e.id,
                "type": e.type,
                "partner_id": partner_id,
                "payload": {
                    "id": e.id,
                    "type": e.type,
                    "source": e.source,
                    "occurred_at": occurred_at,
                    "partner_id": e.partner_id,
                    "data": e.data,
                    "traceparent": e.traceparent,
                },
                "created_at": now,
            }
            for e in envelopes
        ]
        return envelopes, rows

    async def _deliveries(
        self, session: AsyncSession, envelopes: Sequence[EventEnvelope], partner_id: str | None
    ) -> list[dict[str, Any]]:
        hooks = await self._partner_subscriptions(session, partner_id) if partner_id is not None else []
        rows: list[dict[str, Any]] = []
        for e in envelopes:
            now = e.occurred_at
            # One column set for every row: peer deliveries carry no subscription and no partner.
            rows += [
                _delivery(e.id, peer.name, str(peer.url), now)
                for peer in self._subscribers
                if "*" in peer.event_types or e.type in peer.event_types
            ]
            rows += [
                _delivery(e.id, webhook_subscriber(sub.id), sub.url, now, sub.id, partner_id)
                for sub in hooks
                if subscribes_to(sub.event_types, e.type)
            ]
        return rows

    async def _partner_subscriptions(self, session: AsyncSession, partner_id: str) -> Sequence[Any]:
        now = self._clock()
        remembered = self._hooks.get(partner_id)
        if remembered is not None and now - remembered[1] < self._hooks_seconds:
            return remembered[0]
        s = self._tables.webhook_subscriptions
        rows = (
            await session.execute(
                select(s.c.id, s.c.url, s.c.event_types).where(s.c.partner_id == partner_id, s.c.active.is_(True))
            )
        ).all()
        if len(self._hooks) >= MAX_REMEMBERED_PARTNERS:
            self._hooks.clear()
        self._hooks[partner_id] = (rows, now)  # stamped before the read: never older than its bound
        return rows

    def forget_subscriptions(self, session: AsyncSession, partner_id: str) -> None:
        """A partner's subscriptions change in this transaction: read them again now and once it has ended."""
        self._hooks.pop(partner_id, None)

        def forget(_session: Session, *_: object) -> None:
            self._hooks.pop(partner_id, None)

        event.listen(session.sync_session, "after_commit", forget, once=True)
        event.listen(session.sync_session, "after_rollback", forget, once=True)


def _delivery(
    event_id: str,
    subscriber: str,
    url: str,
    now: datetime,
    subscription_id: str | None = None,
    partner_id: str | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subscriber": subscriber,
        "url": url,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "subscription_id": subscription_id,
        "partner_id": partner_id,
    }
