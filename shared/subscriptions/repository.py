"""Every SQL statement on webhook subscriptions; each one is limited to the partner that owns the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.plumbing import PlumbingTables


async def add_subscription(session: AsyncSession, tables: PlumbingTables, values: dict[str, Any]) -> None:
    """Insert a subscription row."""
    await session.execute(insert(tables.webhook_subscriptions).values(**values))


async def get_subscription(
    session: AsyncSession, tables: PlumbingTables, partner_id: str, subscription_id: str
) -> Row[Any] | None:
    """One subscription of the partner, or None (another partner's is None too)."""
    s = tables.webhook_subscriptions
    stmt = select(s).where(s.c.id == subscription_id, s.c.partner_id == partner_id)
    return (await session.execute(stmt)).first()


async def list_subscriptions(
    session: AsyncSession, tables: PlumbingTables, partner_id: str, *, after: str | None, limit: int
) -> Sequence[Row[Any]]:
    """The partner's subscriptions oldest first (ids are UUIDv7), `limit + 1` of them after the id `after`."""
    s = tables.webhook_subscriptions
    stmt = select(s).where(s.c.partner_id == partner_id)
    if after is not None:
        stmt = stmt.where(s.c.id > after)
    return (await session.execute(stmt.order_by(s.c.id).limit(limit + 1))).all()


async def change_subscription(
    session: AsyncSession, tables: PlumbingTables, partner_id: str, subscription_id: str, values: dict[str, Any]
) -> None:
    """Update fields of one of the partner's subscriptions."""
    s = tables.webhook_subscriptions
    await session.execute(
        update(s)
        .where(s.c.id == subscription_id, s.c.partner_id == partner_id)
        .values(**values, updated_at=datetime.now(UTC))
    )


async def remove_subscription(
    session: AsyncSession, tables: PlumbingTables, partner_id: str, subscription_id: str
) -> None:
    """Delete one of the partner's subscriptions and cancel what was still waiting to go to it."""
    s, d = tables.webhook_subscriptions, tables.outbox_deliveries
    await session.execute(delete(s).where(s.c.id == subscription_id, s.c.partner_id == partner_id))
    await session.execute(
        update(d)
        .where(d.c.subscription_id == subscription_id, d.c.partner_id == partner_id, d.c.status == "pending")
        .values(status="cancelled", last_error="subscription deleted", leased_until=None)
    )
