from __future__ import annotations

from sqlalchemy import select

from shared.auth import CallerKind, Principal
from shared.changes import record_change
from shared.config import Subscriber
from shared.outbox import EventPublisher
from shared.schemas.events import RecordChanged
from tests.harness import Harness
from tests.shared.probe import tables


async def test_a_change_is_audited_and_announced_in_one_transaction(probe: Harness) -> None:
    publisher = EventPublisher(tables, [Subscriber(name="partner-hook", url="http://hook.test/events")], "probe")
    actor = Principal(org="DE", kind=CallerKind.partner, subject="officer-1")
    async with probe.app.state.sessionmaker() as session, session.begin():
        await record_change(
            session,
            tables,
            publisher,
            actor,
            "asylum",
            "case",
            "c-1",
            "transferred",
            partner_id="PL",
            detail={"from": "DE"},
        )
    async with probe.app.state.sessionmaker() as session:
        audit = (await session.execute(select(tables.audit_log))).one()
        event = (await session.execute(select(tables.outbox_events))).one()
        delivery = (await session.execute(select(tables.outbox_deliveries))).one()
    assert (audit.action, audit.resource_id, audit.actor_subject) == ("case.transferred", "c-1", "officer-1")
    assert event.type == "asylum.case.transferred"
    payload = RecordChanged.model_validate(event.payload["data"])
    assert (payload.resource_id, payload.partner_id, payload.actor_kind) == ("c-1", "PL", "partner")
    assert "from" not in event.payload["data"]
    assert delivery.subscriber == "partner-hook"
