"""Changes of a batch recorded together: one audit entry and one event per changed record, written in bulk.

`shared.changes.record_change` writes an audit entry and an outbox event (and looks up the partner's webhooks)
per call: three statements for each record. A batch of 1,000 bookings would pay 3,000 round trips, so here the
same rows, with the same content, go in one multi-row insert per table.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.ledger.repository import insert_many
from shared.auth import Principal
from shared.observability import current_request_id
from shared.outbox import EventPublisher, UnknownEventType, subscribes_to, webhook_subscriber
from shared.plumbing import PlumbingTables
from shared.schemas.events import EventEnvelope, RecordChanged
from shared.tracing import current_traceparent


@dataclass(frozen=True)
class Changed:
    """One record a batch changed: `<resource_type>.<action>` on `resource_id`, with an optional event payload.

    Without `event_type`, the event is the generic `<service>.<resource_type>.<action>` carrying ids only.
    """

    resource_type: str
    resource_id: str
    action: str
    event_type: str | None = None
    event_data: dict[str, Any] | None = None


async def record_changes(
    session: AsyncSession,
    tables: PlumbingTables,
    publisher: EventPublisher,
    actor: Principal,
    service: str,
    partner_id: str,
    changes: Sequence[Changed],
) -> None:
    """Audit and announce each change of one partner's batch, in the caller's transaction."""
    if not changes:
        return
    now = datetime.now(UTC)
    request_id = current_request_id()
    await insert_many(
        session,
        tables.audit_log,
        [
            {
                "at": now,
                "actor_org": actor.org,
                "actor_kind": actor.kind.value,
                "actor_subject": actor.subject,
                "action": f"{c.resource_type}.{c.action}",
                "resource_type": c.resource_type,
                "resource_id": c.resource_id,
                "partner_id": partner_id,
                "request_id": request_id,
                "detail": None,
            }
            for c in changes
        ],
    )
    # One envelope and one generic payload rendered by their models; each event copies them with its own ids.
    envelope = EventEnvelope(
        id=str(uuid.uuid4()),
        type="",
        source=service,
        occurred_at=now,
        partner_id=partner_id,
        data={},
        traceparent=current_traceparent(),
    ).model_dump(mode="json")
    generic = RecordChanged(
        resource_type="", resource_id="", action="", partner_id=partner_id, actor_kind=actor.kind.value, changed_at=now
    ).model_dump(mode="json")
    events: list[dict[str, Any]] = []
    for c in changes:
        event_type = c.event_type or f"{service}.{c.resource_type}.{c.action}"
        if publisher.catalogue is not None and event_type not in publisher.catalogue:
            raise UnknownEventType(f"{event_type} is not in {service}'s event catalogue")
        data = c.event_data or {
            **generic,
            "resource_type": c.resource_type,
            "resource_id": c.resource_id,
            "action": c.action,
        }
        event_id = str(uuid.uuid4())
        events.append(
            {
                "event_id": event_id,
                "type": event_type,
                "partner_id": partner_id,
                "payload": {**envelope, "id": event_id, "type": event_type, "data": data},
                "created_at": now,
            }
        )
    await insert_many(session, tables.outbox_events, events)
    deliveries = await _deliveries(session, tables, publisher, partner_id, events, now)
    if deliveries:
        await insert_many(session, tables.outbox_deliveries, deliveries)


async def _deliveries(
    session: AsyncSession,
    tables: PlumbingTables,
    publisher: EventPublisher,
    partner_id: str,
    events: Sequence[dict[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The deliveries `EventPublisher.publish` would queue for each event: peer services, then partner webhooks."""
    s = tables.webhook_subscriptions
    webhooks = (
        await session.execute(
            select(s.c.id, s.c.url, s.c.event_types).where(s.c.partner_id == partner_id, s.c.active.is_(True))
        )
    ).all()
    rows: list[dict[str, Any]] = []
    for event in events:
        for peer in publisher.subscribers:
            if "*" in peer.event_types or event["type"] in peer.event_types:
                rows.append(_delivery(event["event_id"], peer.name, str(peer.url), now, None, None))
        for hook in webhooks:
            if subscribes_to(hook.event_types, event["type"]):
                rows.append(
                    _delivery(event["event_id"], webhook_subscriber(hook.id), hook.url, now, hook.id, partner_id)
                )
    return rows


def _delivery(
    event_id: str, subscriber: str, url: str, now: datetime, subscription_id: str | None, partner_id: str | None
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
