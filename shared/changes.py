"""Record a change once: in the audit log (who did it) and as an event (so subscribers hear of it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import record_audit
from shared.auth import Principal
from shared.outbox import EventPublisher
from shared.plumbing import PlumbingTables
from shared.schemas.events import RecordChanged


async def record_change(
    session: AsyncSession,
    tables: PlumbingTables,
    publisher: EventPublisher,
    actor: Principal,
    service: str,
    resource_type: str,
    resource_id: str,
    action: str,
    *,
    partner_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a change and announce it as `<service>.<resource_type>.<action>`, in the caller's transaction.

    `detail` goes to the audit log only and, like everything here, must hold no personal data.
    """
    await record_audit(
        session,
        tables,
        actor,
        f"{resource_type}.{action}",
        resource_type,
        resource_id,
        partner_id=partner_id,
        detail=detail,
    )
    await publisher.publish(
        session,
        f"{service}.{resource_type}.{action}",
        RecordChanged(
            resource_type=resource_type,
            resource_id=resource_id,
            action=action,
            partner_id=partner_id,
            actor_kind=actor.kind.value,
            changed_at=datetime.now(UTC),
        ),
        partner_id=partner_id,
    )
