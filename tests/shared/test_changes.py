from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shared.auth import CallerKind, Principal
from shared.changes import Announcement, Change, record_change
from shared.config import Subscriber
from shared.outbox import EventPublisher
from shared.schemas import events
from tests.harness import Harness
from tests.shared.probe import tables

ACTOR = Principal(org="DE", kind=CallerKind.partner, subject="officer-1")


async def test_a_change_is_audited_and_announced_in_one_transaction(probe: Harness) -> None:
    publisher = EventPublisher(tables, [Subscriber(name="partner-hook", url="http://hook.test/events")], "asylum")
    change = Change(ACTOR, "case", "c-1", "transferred", partner_id="PL", detail={"from": "DE"})
    async with probe.app.state.sessionmaker() as session, session.begin():
        await record_change(session, publisher, change)
    async with probe.app.state.sessionmaker() as session:
        audit = (await session.execute(select(tables.audit_log))).one()
        event = (await session.execute(select(tables.outbox_events))).one()
        delivery = (await session.execute(select(tables.outbox_deliveries))).one()
    assert (audit.action, audit.resource_id, audit.actor_subject) == ("case.transferred", "c-1", "officer-1")
    assert (audit.partner_id, audit.detail) == ("PL", {"from": "DE"})
    assert event.type == "asylum.case.transferred"
    assert event.payload["source"] == "asylum"
    payload = events.RecordChanged.model_validate(event.payload["data"])
    assert (payload.resource_id, payload.partner_id, payload.actor_kind) == ("c-1", "PL", "partner")
    assert "from" not in event.payload["data"]
    assert delivery.subscriber == "partner-hook"


async def test_a_change_with_a_domain_event_is_announced_by_that_event_only(probe: Harness) -> None:
    publisher = EventPublisher(tables, [], "testimony")
    taken_down = events.TestimonyTakenDown(
        publication_id="p-1", reason="withdrawn", taken_down_at=datetime(2026, 12, 6, tzinfo=UTC)
    )
    change = Change(
        ACTOR,
        "publication",
        "p-1",
        "taken_down",
        partner_id="DE",
        detail={"reason": "withdrawn"},
        announced_by=Announcement("testimony.publication.taken_down", taken_down),
    )
    async with probe.app.state.sessionmaker() as session, session.begin():
        await record_change(session, publisher, change)
    async with probe.app.state.sessionmaker() as session:
        audit = (await session.execute(select(tables.audit_log))).one()
        event = (await session.execute(select(tables.outbox_events))).one()
    assert (audit.action, audit.resource_type, audit.detail) == (
        "publication.taken_down",
        "publication",
        {"reason": "withdrawn"},
    )
    assert (event.type, event.partner_id) == ("testimony.publication.taken_down", "DE")
    assert events.TestimonyTakenDown.model_validate(event.payload["data"]) == taken_down


async def test_nothing_is_recorded_when_the_transaction_rolls_back(probe: Harness) -> None:
    publisher = EventPublisher(tables, [], "asylum")
    async with probe.app.state.sessionmaker() as session:
        await record_change(session, publisher, Change(ACTOR, "case", "c-2", "opened", partner_id="DE"))
        await session.rollback()
    async with probe.app.state.sessionmaker() as session:
        audits = (await session.execute(select(tables.audit_log))).all()
        announced = (await session.execute(select(tables.outbox_events))).all()
    assert (audits, announced) == ([], [])
