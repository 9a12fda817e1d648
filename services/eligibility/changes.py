"""Eligibility's changes: each is audited and announced as `eligibility.<resource_type>.<action>`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import tables
from shared.auth import Principal
from shared.changes import record_change
from shared.outbox import EventPublisher

SERVICE = "eligibility"


async def announce_change(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    resource_type: str,
    resource_id: str,
    action: str,
    *,
    partner_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit an eligibility change and publish its event in the caller's transaction (ids only, no personal data)."""
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
