"""Listing and redelivering outbox deliveries: for a partner (its webhooks) and for an operator (everything)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import record_audit
from shared.auth import Principal
from shared.deliveries import repository
from shared.errors import Unprocessable
from shared.pagination import PageParams, decode_cursor, encode_cursor
from shared.plumbing import PlumbingTables
from shared.schemas.common import Page
from shared.schemas.webhooks import DeliveryRead, DeliveryStatus
from shared.subscriptions.errors import DeliveryNotDead, DeliveryNotFound


def _to_read(row: Any) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        subscription_id=row.subscription_id,
        subscriber=row.subscriber,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        dead_at=row.dead_at,
        created_at=row.created_at,
    )


def _after(params: PageParams) -> int | None:
    if params.after is None:
        return None
    value = decode_cursor(params.after)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unprocessable("`after` is not a cursor of this list; pass `next_cursor` unchanged.")
    return value


async def list_deliveries(
    session: AsyncSession,
    tables: PlumbingTables,
    params: PageParams,
    *,
    partner_id: str | None = None,
    webhooks: bool | None = None,
    status: DeliveryStatus | None = None,
    subscription_id: str | None = None,
) -> Page[DeliveryRead]:
    """A page of deliveries, oldest first (by delivery id)."""
    rows = await repository.list_deliveries(
        session,
        tables,
        partner_id=partner_id,
        webhooks=webhooks,
        status=None if status is None else status.value,
        subscription_id=subscription_id,
        after=_after(params),
        limit=params.limit,
    )
    items = [_to_read(row) for row in rows[: params.limit]]
    cursor = encode_cursor(items[-1].id) if len(rows) > params.limit and items else None
    return Page[DeliveryRead](items=items, next_cursor=cursor)


async def redeliver(
    session: AsyncSession, tables: PlumbingTables, actor: Principal, delivery_id: int, *, partner_id: str | None
) -> DeliveryRead:
    """Send a dead delivery again, on a fresh retry schedule; audited. `partner_id` limits it to that partner's."""
    row = await repository.get_delivery(session, tables, delivery_id, partner_id=partner_id)
    if row is None:
        raise DeliveryNotFound(f"No delivery {delivery_id} exists here.")
    if not await repository.schedule_again(session, tables, delivery_id):
        raise DeliveryNotDead(
            f"Delivery {delivery_id} is {row.status}; only a dead delivery can be redelivered (a pending one "
            "is still being retried)."
        )
    await record_audit(
        session,
        tables,
        actor,
        "delivery.redelivered",
        "delivery",
        str(delivery_id),
        partner_id=row.partner_id,
        detail={"event_id": row.event_id, "subscriber": row.subscriber},
    )
    again = await repository.get_delivery(session, tables, delivery_id, partner_id=partner_id)
    assert again is not None
    return _to_read(again)
