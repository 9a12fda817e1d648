"""Transactional outbox: events are written with the work and delivered afterwards, at least once.

`EventPublisher.publish` inserts the event and one delivery per interested receiver in the caller's
transaction: each peer service subscribed to the type, and each active webhook subscription of the partner
the event belongs to (never another partner's). `OutboxDispatcher` leases due deliveries (`FOR UPDATE SKIP
LOCKED` on PostgreSQL, so replicas never deliver the same one at the same time) and posts each one: to a peer
service signed with this service's own Ed25519 key(s), to a partner signed with its subscription's secret(s)
(Standard Webhooks `v1`). A failed attempt is retried on `RETRY_SCHEDULE`, for a little over three days; then
the delivery is marked dead and kept, counted and listed until someone redelivers it.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from opentelemetry import trace
from pydantic import BaseModel
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Subscriber
from shared.crypto import FieldCipher
from shared.faults import crash_point
from shared.keys.errors import CiphertextInvalid, KeyDestroyed
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope
from shared.servicekeys import ServiceIdentity
from shared.subscriptions.signing import sign_webhook
from shared.tracing import Tracing, context_from_traceparent, current_traceparent, inject_context
from shared.webhooks import sign_event

log = structlog.get_logger("carrots.outbox")

WEBHOOK_SUBSCRIBER_PREFIX = "webhook:"
SECRET_FIELD = "webhook_subscriptions.secret"  # noqa: S105 - a column name, not a secret
PREVIOUS_SECRET_FIELD = "webhook_subscriptions.previous_secret"  # noqa: S105 - a column name

# Seconds to wait after each failed attempt: 13 attempts over 75.7 hours (a little over three days) before
# a delivery is dead. Each wait is stretched by up to 20 % at random, never shortened, so receivers that
# failed together are not retried in one burst and the three days always hold.
RETRY_SCHEDULE: tuple[int, ...] = (
    5,
    30,
    2 * 60,
    10 * 60,
    30 * 60,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    24 * 3600,
    24 * 3600,
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1


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
        """The plumbing tables of the service this publisher writes for (outbox, audit log, ...)."""
        return self._tables

    @property
    def source(self) -> str:
        """The name of the service whose events this publisher writes."""
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


def backoff_delay(attempts: int, *, scale: float = 1.0) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: `RETRY_SCHEDULE`, stretched by up to 20 %."""
    step = RETRY_SCHEDULE[min(max(attempts, 1), len(RETRY_SCHEDULE)) - 1]
    return step * scale * random.uniform(1.0, 1.2)


@dataclass(frozen=True)
class _Subscription:
    id: str
    partner_id: str
    secret_enc: str
    previous_secret_enc: str | None
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True)
class LeasedDelivery:
    """A delivery this dispatcher holds for one attempt."""

    id: int
    url: str
    subscriber: str
    attempts: int
    payload: dict[str, Any]
    # The subscription's secrets when it goes to a partner's webhook; None for a peer service.
    secrets: list[str] | None


class OutboxDispatcher:
    """Delivers pending events to peer services and partners' webhooks over HTTP.

    `run_once` is the whole of one round and can be called from any process with the database and keys.
    """

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        identity: ServiceIdentity,
        client: httpx.AsyncClient,
        *,
        cipher: FieldCipher | None = None,
        batch_size: int = 50,
        lease_seconds: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
        base_delay: float = 1.0,
        on_dead: Callable[[str], None] | None = None,
        address_check: Callable[[str], Awaitable[None]] | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self._maker = maker
        self._tables = tables
        self._identity = identity
        self._client = client
        # Subscription secrets are stored encrypted with the partner's data key.
        self._cipher = cipher
        self._batch = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        # Called with "service" or "webhook" each time a delivery dies (a metric counts them).
        self._on_dead = on_dead
        # Awaited with a webhook's host before each POST; raises to refuse it (production: public addresses only).
        self._address_check = address_check
        self._tracing = tracing or Tracing(identity.name)

    async def _secrets(self, session: AsyncSession, sub: _Subscription, now: datetime) -> list[str]:
        if self._cipher is None:
            raise RuntimeError("a dispatcher that delivers webhooks needs the field cipher")
        secrets = [await self._cipher.decrypt(session, sub.partner_id, sub.secret_enc, field=SECRET_FIELD, row=sub.id)]
        expires = sub.previous_secret_expires_at
        if sub.previous_secret_enc is not None and expires is not None and expires > now:
            secrets.append(
                await self._cipher.decrypt(
                    session, sub.partner_id, sub.previous_secret_enc, field=PREVIOUS_SECRET_FIELD, row=sub.id
                )
            )
        return secrets

    async def _lease_due(self) -> list[LeasedDelivery]:
        d, e, s = self._tables.outbox_deliveries, self._tables.outbox_events, self._tables.webhook_subscriptions
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
                select(
                    d.c.id,
                    d.c.url,
                    d.c.subscriber,
                    d.c.attempts,
                    d.c.subscription_id,
                    e.c.payload,
                    s.c.id.label("sub_id"),
                    s.c.partner_id.label("sub_partner_id"),
                    s.c.url.label("sub_url"),
                    s.c.active,
                    s.c.secret_enc,
                    s.c.previous_secret_enc,
                    s.c.previous_secret_expires_at,
                )
                .join(e, e.c.event_id == d.c.event_id)
                .outerjoin(s, s.c.id == d.c.subscription_id)
                .where(d.c.id.in_(ids))
                .order_by(d.c.id)
            )
            leased: list[LeasedDelivery] = []
            for r in rows:
                if r.subscription_id is None:
                    leased.append(LeasedDelivery(r.id, r.url, r.subscriber, r.attempts, r.payload, None))
                    continue
                if r.sub_id is None or not r.active:
                    # The partner deleted or paused the subscription since: nothing goes out.
                    await self._cancel(session, r.id, "subscription deleted or paused")
                    continue
                sub = _Subscription(
                    r.sub_id, r.sub_partner_id, r.secret_enc, r.previous_secret_enc, r.previous_secret_expires_at
                )
                try:
                    secrets = await self._secrets(session, sub, now)
                except (KeyDestroyed, CiphertextInvalid):
                    # The partner was erased (or the row tampered with): nothing can be signed for it.
                    await self._cancel(session, r.id, "subscription secret unavailable")
                    continue
                leased.append(LeasedDelivery(r.id, r.sub_url, r.subscriber, r.attempts, r.payload, secrets))
            return leased

    async def _cancel(self, session: AsyncSession, delivery_id: int, reason: str) -> None:
        d = self._tables.outbox_deliveries
        await session.execute(
            update(d).where(d.c.id == delivery_id).values(status="cancelled", leased_until=None, last_error=reason)
        )

    async def _deliver(self, delivery: LeasedDelivery) -> str | None:
        payload = delivery.payload
        kind = "service" if delivery.secrets is None else "webhook"
        # A child of the work that published the event (its envelope's `traceparent`), whenever it is delivered.
        with self._tracing.tracer.start_as_current_span(
            f"deliver {payload.get('type', 'event')}",
            context=context_from_traceparent(payload.get("traceparent")),
            kind=trace.SpanKind.CLIENT,
            attributes={"carrots.event.type": str(payload.get("type", "")), "carrots.receiver": kind},
        ) as span:
            error = await self._post(delivery)
            if error is not None:
                span.set_status(trace.StatusCode.ERROR)
            return error

    async def _post(self, delivery: LeasedDelivery) -> str | None:
        payload = delivery.payload
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        if delivery.secrets is None:
            headers = sign_event(self._identity, body, event_id=str(payload["id"]))
        else:
            headers = sign_webhook(delivery.secrets, body, message_id=str(payload["id"]))
            if self._address_check is not None:
                try:
                    await self._address_check(httpx.URL(delivery.url).host)
                except Exception as exc:
                    return f"refused address: {getattr(exc, 'detail', type(exc).__name__)}"
        inject_context(headers)
        try:
            # Streamed and closed unread: only the status counts, and a receiver's body (however large) is not loaded.
            async with self._client.stream("POST", delivery.url, content=body, headers=headers) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= status < 300:
            return None
        return f"HTTP {status}"

    async def run_once(self) -> int:
        """Deliver every due delivery once; returns how many succeeded."""
        leased = await self._lease_due()
        if leased:
            crash_point("outbox-leased", self._identity.name)
        results = await asyncio.gather(*(self._deliver(delivery) for delivery in leased))
        if leased:
            crash_point("outbox-sent", self._identity.name)
        delivered = 0
        d = self._tables.outbox_deliveries
        now = datetime.now(UTC)
        async with self._maker() as session, session.begin():
            for delivery, error in zip(leased, results, strict=True):
                tries = delivery.attempts + 1
                if error is None:
                    delivered += 1
                    values: dict[str, object] = {
                        "status": "delivered",
                        "attempts": tries,
                        "delivered_at": now,
                        "leased_until": None,
                        "last_error": None,
                    }
                else:
                    dead = tries >= self._max_attempts
                    values = {
                        "status": "dead" if dead else "pending",
                        "attempts": tries,
                        "leased_until": None,
                        "last_error": error[:500],
                        "next_attempt_at": now + timedelta(seconds=backoff_delay(tries, scale=self._base_delay)),
                        "dead_at": now if dead else None,
                    }
                    kind = "service" if delivery.secrets is None else "webhook"
                    log.warning(
                        "event_delivery_failed",
                        subscriber=delivery.subscriber,
                        event_id=delivery.payload["id"],
                        attempt=tries,
                        dead=dead,
                        receiver=kind,
                        error=error[:200],
                    )
                    if dead and self._on_dead is not None:
                        self._on_dead(kind)
                await session.execute(update(d).where(d.c.id == delivery.id).values(**values))
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
