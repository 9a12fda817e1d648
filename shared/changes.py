"""Record a change once: in the audit log (who did it) and as an event (so subscribers hear of it).

A change is a small value object (`Change`): who made it, to which record, what happened, for which partner.
`record_change` writes both rows in the caller's transaction. The publisher, built once per service, already
knows the service's name and plumbing tables, so a call needs nothing else. A change is announced as the
generic `<service>.<resource_type>.<action>` (`RecordChanged`, ids only) unless it carries a richer domain
event (`Announcement`) that consumers act on, such as an approval or a takedown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit import audit_row, record_audit_row, record_audits
from shared.auth import Principal
from shared.outbox import EventPublisher
from shared.schemas.events import RecordChanged


@dataclass(frozen=True, slots=True)
class Announcement:
    """A domain event that announces a change in place of the generic `RecordChanged`."""

    event_type: str
    data: BaseModel


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one record, by one actor.

    `detail` goes to the audit log only and, like everything here, must hold no personal data.
    """

    actor: Principal
    resource_type: str
    resource_id: str
    action: str
    _: KW_ONLY
    partner_id: str | None
    detail: Mapping[str, object] | None = None
    announced_by: Announcement | None = None

    @property
    def audit_action(self) -> str:
        """The action as the audit log names it: `<resource_type>.<action>`."""
        return f"{self.resource_type}.{self.action}"

    def audit_entry(self) -> dict[str, Any]:
        """The audit entry of this change as a row (`shared.audit.audit_row`)."""
        return audit_row(
            self.actor,
            self.audit_action,
            self.resource_type,
            self.resource_id,
            partner_id=self.partner_id,
            detail=None if self.detail is None else dict(self.detail),
        )

    def event_type(self, service: str) -> str:
        """The type of the event that announces this change when `service` records it."""
        if self.announced_by is not None:
            return self.announced_by.event_type
        return f"{service}.{self.resource_type}.{self.action}"

    def event_data(self) -> BaseModel:
        """The payload of the event that announces this change (ids only, never personal data)."""
        if self.announced_by is not None:
            return self.announced_by.data
        return RecordChanged(
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            action=self.action,
            partner_id=self.partner_id,
            actor_kind=self.actor.kind.value,
            changed_at=datetime.now(UTC),
        )


async def record_change(session: AsyncSession, publisher: EventPublisher, change: Change) -> None:
    """Audit a change and announce it, both in the caller's transaction (nothing is sent before it commits)."""
    await record_audit_row(session, publisher.tables, change.audit_entry())
    await publisher.publish(
        session, change.event_type(publisher.source), change.event_data(), partner_id=change.partner_id
    )


async def prepare_change(
    session: AsyncSession, publisher: EventPublisher, change: Change
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows `record_change` writes (audit entry, event rows, delivery rows), built but not inserted, for a
    caller that writes them in its own statement."""
    announced = [(change.event_type(publisher.source), change.event_data())]
    _, events, deliveries = await publisher.prepare_many(session, announced, partner_id=change.partner_id)
    return change.audit_entry(), events, deliveries


async def record_changes(session: AsyncSession, publisher: EventPublisher, changes: Sequence[Change]) -> None:
    """Audit and announce many changes in a few statements (a bulk intake's registrations, say).

    The same rows as `record_change` for each, written together: one audit INSERT, and the events of each
    partner published at once.
    """
    await record_audits(
        session,
        publisher.tables,
        [c.audit_entry() for c in changes],
    )
    by_partner: dict[str | None, list[Change]] = {}
    for change in changes:
        by_partner.setdefault(change.partner_id, []).append(change)
    for partner_id, group in by_partner.items():
        await publisher.publish_many(
            session, [(c.event_type(publisher.source), c.event_data()) for c in group], partner_id=partner_id
        )
