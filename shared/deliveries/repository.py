"""Every SQL statement on deliveries as they are listed and redelivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.plumbing import PlumbingTables


def _columns(tables: PlumbingTables) -> list[Any]:
    d, e = tables.outbox_deliveries, tables.outbox_events
    return [
        d.c.id,
        d.c.event_id,
        e.c.type.label("event_type"),
        d.c.subscription_id,
        d.c.partner_id,
        d.c.subscriber,
        d.c.status,
        d.c.attempts,
        d.c.next_attempt_at,
        d.c.last_error,
        d.c.delivered_at,
        d.c.dead_at,
        e.c.created_at,
    ]


async def list_deliveries(
    session: AsyncSession,
    tables: PlumbingTables,
    *,
    partner_id: str | None,
    webhooks: bool | None,
    status: str | None,
    subscription_id: str | None,
    after: int | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Deliveries oldest first, after the delivery id `after`, `limit + 1` of them.

    `partner_id` restricts to one partner's webhook deliveries; `webhooks` to partners' (True) or peer
    services' (False) deliveries.
    """
    d, e = tables.outbox_deliveries, tables.outbox_events
    stmt = select(*_columns(tables)).join(e, e.c.event_id == d.c.event_id)
    if partner_id is not None:
        stmt = stmt.where(d.c.partner_id == partner_id, d.c.subscription_id.is_not(None))
    if webhooks is True:
        stmt = stmt.where(d.c.subscription_id.is_not(None))
    elif webhooks is False:
        stmt = stmt.where(d.c.subscription_id.is_(None))
    if status is not None:
        stmt = stmt.where(d.c.status == status)
    if subscription_id is not None:
        stmt = stmt.where(d.c.subscription_id == subscription_id)
    if after is not None:
        stmt = stmt.where(d.c.id > after)
    return (await session.execute(stmt.order_by(d.c.id).limit(limit + 1))).all()


async def get_delivery(
    session: AsyncSession, tables: PlumbingTables, delivery_id: int, *, partner_id: str | None
) -> Row[Any] | None:
    """One delivery; with `partner_id`, only a webhook delivery of that partner."""
    d, e = tables.outbox_deliveries, tables.outbox_events
    stmt = select(*_columns(tables)).join(e, e.c.event_id == d.c.event_id).where(d.c.id == delivery_id)
    if partner_id is not None:
        stmt = stmt.where(d.c.partner_id == partner_id, d.c.subscription_id.is_not(None))
    return (await session.execute(stmt)).first()


async def schedule_again(session: AsyncSession, tables: PlumbingTables, delivery_id: int) -> bool:
    """Make a dead delivery pending again with a fresh retry schedule; False when it was not dead (any more)."""
    d = tables.outbox_deliveries
    result = await session.execute(
        update(d)
        .where(d.c.id == delivery_id, d.c.status == "dead")
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=datetime.now(UTC),
            leased_until=None,
            dead_at=None,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def count_dead(session: AsyncSession, tables: PlumbingTables) -> dict[str, int]:
    """How many dead deliveries are kept, by receiver kind (`service`, `webhook`)."""
    d = tables.outbox_deliveries
    kind = d.c.subscription_id.is_not(None)
    rows = (await session.execute(select(kind, func.count()).where(d.c.status == "dead").group_by(kind))).all()
    counts = {"service": 0, "webhook": 0}
    for is_webhook, count in rows:
        counts["webhook" if is_webhook else "service"] = int(count)
    return counts
