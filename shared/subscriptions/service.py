"""Partners' webhook subscriptions: the rules. No FastAPI here; flushes, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import Change, record_change
from shared.config import Environment
from shared.crypto import FieldCipher
from shared.ids import new_id
from shared.outbox import PREVIOUS_SECRET_FIELD, SECRET_FIELD, EventPublisher
from shared.pagination import PageParams, decode_cursor, encode_cursor
from shared.plumbing import PlumbingTables
from shared.schemas.common import Page
from shared.schemas.webhooks import (
    SecretRotated,
    SecretRotation,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
)
from shared.subscriptions import repository
from shared.subscriptions.addresses import check_webhook_url
from shared.subscriptions.errors import EventTypeUnknown, SubscriptionNotFound
from shared.subscriptions.signing import new_secret

RESOURCE = "webhook_subscription"


@dataclass(frozen=True)
class WebhookTools:
    """What subscription rules need from the app: tables, outbox, field cipher, environment and catalogue."""

    service: str
    tables: PlumbingTables
    publisher: EventPublisher
    cipher: FieldCipher
    environment: Environment
    event_types: frozenset[str]


def _to_read(row: Any) -> WebhookSubscriptionRead:
    return WebhookSubscriptionRead(
        id=row.id,
        partner_id=row.partner_id,
        url=row.url,
        event_types=list(row.event_types),
        description=row.description,
        active=row.active,
        previous_secret_expires_at=row.previous_secret_expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def checked_event_types(tools: WebhookTools, event_types: Sequence[str]) -> list[str]:
    """The requested types without repeats, each one checked against this service's catalogue."""
    unknown = [
        {"name": f"body.event_types.{i}", "reason": f"{t[:100]!r} is not an event type of {tools.service}"}
        for i, t in enumerate(event_types)
        if t not in tools.event_types
    ]
    if unknown:
        raise EventTypeUnknown(
            f"{len(unknown)} event type(s) are not announced by {tools.service} to partners; `allowed` lists "
            "those that are.",
            invalid_params=unknown,
            allowed=sorted(tools.event_types),
        )
    return list(dict.fromkeys(event_types))


async def _announce(session: AsyncSession, tools: WebhookTools, actor: Principal, row_id: str, action: str) -> None:
    await record_change(session, tools.publisher, Change(actor, RESOURCE, row_id, action, partner_id=actor.org))


async def _require(session: AsyncSession, tools: WebhookTools, actor: Principal, subscription_id: str) -> Any:
    row = await repository.get_subscription(session, tools.tables, actor.org, subscription_id)
    if row is None:
        raise SubscriptionNotFound(f"No webhook subscription {subscription_id[:64]} exists for {actor.org}.")
    return row


async def create_subscription(
    session: AsyncSession, tools: WebhookTools, actor: Principal, data: WebhookSubscriptionCreate
) -> WebhookSubscriptionCreated:
    """Subscribe the actor's partner to event types of this service; the secret is returned this once."""
    await check_webhook_url(data.url, tools.environment)
    event_types = checked_event_types(tools, data.event_types)
    subscription_id, secret, now = new_id(), new_secret(), datetime.now(UTC)
    await repository.add_subscription(
        session,
        tools.tables,
        {
            "id": subscription_id,
            "partner_id": actor.org,
            "url": data.url,
            "event_types": event_types,
            "description": data.description,
            "active": data.active,
            "secret_enc": await tools.cipher.encrypt(
                session, actor.org, secret, field=SECRET_FIELD, row=subscription_id
            ),
            "created_at": now,
            "updated_at": now,
        },
    )
    tools.publisher.forget_subscriptions(session, actor.org)
    await _announce(session, tools, actor, subscription_id, "created")
    read = _to_read(await _require(session, tools, actor, subscription_id))
    return WebhookSubscriptionCreated(**read.model_dump(), secret=secret)


async def list_subscriptions(
    session: AsyncSession, tools: WebhookTools, actor: Principal, params: PageParams
) -> Page[WebhookSubscriptionRead]:
    """The actor's partner's subscriptions, oldest first."""
    after = None if params.after is None else str(decode_cursor(params.after))
    rows = await repository.list_subscriptions(session, tools.tables, actor.org, after=after, limit=params.limit)
    items = [_to_read(row) for row in rows[: params.limit]]
    cursor = encode_cursor(items[-1].id) if len(rows) > params.limit and items else None
    return Page[WebhookSubscriptionRead](items=items, next_cursor=cursor)


async def read_subscription(
    session: AsyncSession, tools: WebhookTools, actor: Principal, subscription_id: str
) -> WebhookSubscriptionRead:
    """One of the actor's partner's subscriptions (another partner's answers 404)."""
    return _to_read(await _require(session, tools, actor, subscription_id))


async def update_subscription(
    session: AsyncSession, tools: WebhookTools, actor: Principal, subscription_id: str, data: WebhookSubscriptionUpdate
) -> WebhookSubscriptionRead:
    """Change the URL, event types, description or active flag of a subscription."""
    await _require(session, tools, actor, subscription_id)
    values: dict[str, Any] = {}
    if data.url is not None:
        await check_webhook_url(data.url, tools.environment)
        values["url"] = data.url
    if data.event_types is not None:
        values["event_types"] = checked_event_types(tools, data.event_types)
    if "description" in data.model_fields_set:
        values["description"] = data.description
    if data.active is not None:
        values["active"] = data.active
    if values:
        await repository.change_subscription(session, tools.tables, actor.org, subscription_id, values)
        tools.publisher.forget_subscriptions(session, actor.org)
        await _announce(session, tools, actor, subscription_id, "updated")
    return _to_read(await _require(session, tools, actor, subscription_id))


async def delete_subscription(
    session: AsyncSession, tools: WebhookTools, actor: Principal, subscription_id: str
) -> None:
    """Delete a subscription; deliveries still waiting for it are cancelled."""
    await _require(session, tools, actor, subscription_id)
    await repository.remove_subscription(session, tools.tables, actor.org, subscription_id)
    tools.publisher.forget_subscriptions(session, actor.org)
    await _announce(session, tools, actor, subscription_id, "deleted")


async def rotate_secret(
    session: AsyncSession, tools: WebhookTools, actor: Principal, subscription_id: str, rotation: SecretRotation
) -> SecretRotated:
    """Give a subscription a new secret; the old one keeps signing beside it for `overlap_seconds`."""
    row = await _require(session, tools, actor, subscription_id)
    secret = new_secret()
    values: dict[str, Any] = {
        "secret_enc": await tools.cipher.encrypt(session, actor.org, secret, field=SECRET_FIELD, row=subscription_id),
        "previous_secret_enc": None,
        "previous_secret_expires_at": None,
    }
    if rotation.overlap_seconds > 0:
        old = await tools.cipher.decrypt(session, actor.org, row.secret_enc, field=SECRET_FIELD, row=subscription_id)
        values["previous_secret_enc"] = await tools.cipher.encrypt(
            session, actor.org, old, field=PREVIOUS_SECRET_FIELD, row=subscription_id
        )
        values["previous_secret_expires_at"] = datetime.now(UTC) + timedelta(seconds=rotation.overlap_seconds)
    await repository.change_subscription(session, tools.tables, actor.org, subscription_id, values)
    await _announce(session, tools, actor, subscription_id, "secret_rotated")
    return SecretRotated(
        subscription_id=subscription_id, secret=secret, previous_secret_expires_at=values["previous_secret_expires_at"]
    )
