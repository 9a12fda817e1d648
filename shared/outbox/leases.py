"""Taking due deliveries for one round: claimed in one statement, so replicas never deliver one at the same time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.crypto import FieldCipher
from shared.keys.errors import CiphertextInvalid, KeyDestroyed
from shared.plumbing import PlumbingTables

SECRET_FIELD = "webhook_subscriptions.secret"  # noqa: S105 - a column name, not a secret
PREVIOUS_SECRET_FIELD = "webhook_subscriptions.previous_secret"  # noqa: S105 - a column name


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

    @property
    def receiver(self) -> str:
        """`service` for a peer service, `webhook` for a partner's subscription (a metric's label)."""
        return "service" if self.secrets is None else "webhook"


@dataclass(frozen=True)
class _Subscription:
    id: str
    partner_id: str
    secret_enc: str
    previous_secret_enc: str | None
    previous_secret_expires_at: datetime | None


async def _secrets(cipher: FieldCipher | None, session: AsyncSession, sub: _Subscription, now: datetime) -> list[str]:
    if cipher is None:
        raise RuntimeError("a dispatcher that delivers webhooks needs the field cipher")
    secrets = [await cipher.decrypt(session, sub.partner_id, sub.secret_enc, field=SECRET_FIELD, row=sub.id)]
    expires = sub.previous_secret_expires_at
    if sub.previous_secret_enc is not None and expires is not None and expires > now:
        secrets.append(
            await cipher.decrypt(
                session, sub.partner_id, sub.previous_secret_enc, field=PREVIOUS_SECRET_FIELD, row=sub.id
            )
        )
    return secrets


async def cancel_delivery(session: AsyncSession, tables: PlumbingTables, delivery_id: int, reason: str) -> None:
    """Give up a delivery that can never go out (its subscription is gone or cannot sign any more)."""
    d = tables.outbox_deliveries
    await session.execute(
        update(d).where(d.c.id == delivery_id).values(status="cancelled", leased_until=None, last_error=reason)
    )


async def lease_due(
    session: AsyncSession,
    tables: PlumbingTables,
    cipher: FieldCipher | None,
    *,
    limit: int,
    lease: timedelta,
    now: datetime,
) -> list[LeasedDelivery]:
    """Lease up to `limit` due deliveries, oldest first, with what each needs to be sent.

    Rows another dispatcher holds are skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer);
    the lease lets a stopped dispatcher's rows become due again once it lapses.
    """
    d, e, s = tables.outbox_deliveries, tables.outbox_events, tables.webhook_subscriptions
    due = (
        d.c.status == "pending",
        d.c.next_attempt_at <= now,
        or_(d.c.leased_until.is_(None), d.c.leased_until < now),
    )
    candidates = (
        (
            await session.execute(
                select(d.c.id).where(*due).order_by(d.c.id).limit(limit).with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    if not candidates:
        return []
    # The lease is taken only where the row is still due: on SQLite (no row locks) a concurrent round may have
    # read the same candidates, and only one of the two updates matches each row.
    ids = (
        (
            await session.execute(
                update(d).where(d.c.id.in_(candidates), *due).values(leased_until=now + lease).returning(d.c.id)
            )
        )
        .scalars()
        .all()
    )
    if not ids:
        return []
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
            await cancel_delivery(session, tables, r.id, "subscription deleted or paused")
            continue
        sub = _Subscription(
            r.sub_id, r.sub_partner_id, r.secret_enc, r.previous_secret_enc, r.previous_secret_expires_at
        )
        try:
            secrets = await _secrets(cipher, session, sub, now)
        except (KeyDestroyed, CiphertextInvalid):
            # The partner was erased (or the row tampered with): nothing can be signed for it.
            await cancel_delivery(session, tables, r.id, "subscription secret unavailable")
            continue
        leased.append(LeasedDelivery(r.id, r.sub_url, r.subscriber, r.attempts, r.payload, secrets))
    return leased
