"""The dispatcher: lease due deliveries, send them, record each outcome; one round at a time, from any process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.crypto import FieldCipher
from shared.faults import crash_point
from shared.outbox.leases import LeasedDelivery, lease_due
from shared.outbox.retry import MAX_ATTEMPTS, backoff_delay
from shared.outbox.sending import AddressCheck, chunk_batches, post_batch, post_one
from shared.plumbing import PlumbingTables
from shared.servicekeys import ServiceIdentity
from shared.tracing import Tracing

log = structlog.get_logger("carrots.outbox")

# Requests in flight at once for deliveries sent one by one (partners' webhooks, lone events).
SINGLE_CONCURRENCY = 50


class OutboxDispatcher:
    """Delivers pending events to peer services and partners' webhooks over HTTP.

    Events due for one peer service go in signed batches of up to `events_per_request` (`POST <url>/batch`);
    a lone event, a partner's webhook delivery, and every event for a consumer that answered the batch endpoint
    with 404 or 405 go one per request. `run_once` is the whole of one round and can be called from any
    process with the database and keys; `run_forever` and `drain` keep `lanes` rounds in flight at once.
    """

    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        tables: PlumbingTables,
        identity: ServiceIdentity,
        client: httpx.AsyncClient,
        *,
        cipher: FieldCipher | None = None,
        batch_size: int = 200,
        events_per_request: int = 100,
        lease_seconds: float = 30.0,
        max_attempts: int = MAX_ATTEMPTS,
        base_delay: float = 1.0,
        on_dead: Callable[[str], None] | None = None,
        address_check: AddressCheck | None = None,
        tracing: Tracing | None = None,
        lanes: int = 2,
    ) -> None:
        self._maker = maker
        self._tables = tables
        self._identity = identity
        self._client = client
        # Subscription secrets are stored encrypted with the partner's data key.
        self._cipher = cipher
        # How many due deliveries one round leases, and how many events one batch request carries (1: none).
        self._batch = batch_size
        self._per_request = events_per_request
        self._lease = timedelta(seconds=lease_seconds)
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        # Called with "service" or "webhook" each time a delivery dies (a metric counts them).
        self._on_dead = on_dead
        # Awaited with a webhook's host before each POST; raises to refuse it (production: public addresses only).
        self._address_check = address_check
        self._tracing = tracing or Tracing(identity.name)
        # Consumers that answered a batch with 404 or 405: sent one event per request from then on.
        self._single_only: set[str] = set()
        self._in_flight = asyncio.Semaphore(SINGLE_CONCURRENCY)
        # Rounds in flight at once: while one round's batches are with the consumer, another leases or records,
        # so neither side waits for the other (each round leases its own rows).
        self._lanes = max(1, lanes)

    def _plan(self, leased: Sequence[LeasedDelivery]) -> tuple[list[LeasedDelivery], list[list[LeasedDelivery]]]:
        """Split a round's deliveries into those sent alone and batches for one peer service each."""
        singles: list[LeasedDelivery] = []
        by_url: dict[str, list[LeasedDelivery]] = {}
        for delivery in leased:
            batchable = delivery.secrets is None and self._per_request > 1 and delivery.url not in self._single_only
            if batchable:
                by_url.setdefault(delivery.url, []).append(delivery)
            else:
                singles.append(delivery)
        batches: list[list[LeasedDelivery]] = []
        for group in by_url.values():
            if len(group) == 1:
                singles.extend(group)
            else:
                batches.extend(chunk_batches(group, self._per_request))
        return singles, batches

    async def _send(self, leased: Sequence[LeasedDelivery]) -> dict[int, str | None]:
        errors: dict[int, str | None] = {}

        async def one(delivery: LeasedDelivery) -> None:
            async with self._in_flight:
                errors[delivery.id] = await post_one(
                    self._client, self._identity, self._tracing, delivery, self._address_check
                )

        async def batch(chunk: list[LeasedDelivery]) -> None:
            url = chunk[0].url
            answer = await post_batch(self._client, self._identity, self._tracing, url, chunk)
            if answer.unsupported:
                self._single_only.add(url)
                await asyncio.gather(*(one(d) for d in chunk))
            else:
                errors.update(answer.errors)

        singles, batches = self._plan(leased)
        await asyncio.gather(*(one(d) for d in singles), *(batch(chunk) for chunk in batches))
        return errors

    async def _record(self, leased: Sequence[LeasedDelivery], errors: dict[int, str | None]) -> int:
        d = self._tables.outbox_deliveries
        now = datetime.now(UTC)
        delivered = [delivery.id for delivery in leased if errors.get(delivery.id, "not sent") is None]
        async with self._maker() as session, session.begin():
            if delivered:
                # Every delivered row in one statement, however many there were.
                await session.execute(
                    update(d)
                    .where(d.c.id.in_(delivered))
                    .values(
                        status="delivered",
                        attempts=d.c.attempts + 1,
                        delivered_at=now,
                        leased_until=None,
                        last_error=None,
                    )
                )
            for delivery in leased:
                error = errors.get(delivery.id, "not sent")
                if error is not None:
                    await self._record_failure(session, delivery, error, now)
        return len(delivered)

    async def _record_failure(self, session: AsyncSession, delivery: LeasedDelivery, error: str, now: datetime) -> None:
        d = self._tables.outbox_deliveries
        tries = delivery.attempts + 1
        dead = tries >= self._max_attempts
        await session.execute(
            update(d)
            .where(d.c.id == delivery.id)
            .values(
                status="dead" if dead else "pending",
                attempts=tries,
                leased_until=None,
                last_error=error[:500],
                next_attempt_at=now + timedelta(seconds=backoff_delay(tries, scale=self._base_delay)),
                dead_at=now if dead else None,
            )
        )
        log.warning(
            "event_delivery_failed",
            subscriber=delivery.subscriber,
            event_id=delivery.payload["id"],
            attempt=tries,
            dead=dead,
            receiver=delivery.receiver,
            error=error[:200],
        )
        if dead and self._on_dead is not None:
            self._on_dead(delivery.receiver)

    async def run_once(self) -> int:
        """Deliver every due delivery once (up to `batch_size`); returns how many succeeded."""
        async with self._maker() as session, session.begin():
            leased = await lease_due(
                session, self._tables, self._cipher, limit=self._batch, lease=self._lease, now=datetime.now(UTC)
            )
        if not leased:
            return 0
        crash_point("outbox-leased", self._identity.name)
        errors = await self._send(leased)
        crash_point("outbox-sent", self._identity.name)
        return await self._record(leased, errors)

    async def _round(self) -> int:
        try:
            return await self.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox_dispatch_error")
            return 0

    async def drain(self) -> int:
        """Deliver until a round finds nothing due, with `lanes` rounds in flight; returns how many succeeded."""

        async def lane() -> int:
            total = 0
            while delivered := await self._round():
                total += delivered
            return total

        return sum(await asyncio.gather(*(lane() for _ in range(self._lanes))))

    async def run_forever(self, poll_seconds: float) -> None:
        """Poll the outbox until cancelled; while rounds deliver something, the next starts at once."""

        async def lane() -> None:
            while True:
                if await self._round() == 0:
                    await asyncio.sleep(poll_seconds)

        await asyncio.gather(*(lane() for _ in range(self._lanes)))
