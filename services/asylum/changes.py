"""Record an asylum change once: audited with who did it and announced as `asylum.<resource>.<action>`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.models import tables
from shared.auth import Principal
from shared.changes import record_change
from shared.outbox import EventPublisher

SERVICE = "asylum"


async def announce_change(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    resource_type: str,
    resource_id: str,
    action: str,
    *,
    partner_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change of this service and publish it in the caller's transaction (ids only on the wire)."""
    await record_change(
        session,
        tables,
        publisher,
        actor,
        SERVICE,
        resource_type,
        resource_id,
        action,
        partner_id=partner_id,
        detail=detail,
    )
