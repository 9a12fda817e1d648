"""`EventPublisher.prepare_many`: the rows `publish_many` inserts, for a caller writing them in its own statement."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from shared.config import Subscriber
from shared.outbox import EventPublisher
from shared.schemas.events import CaseOpened
from tests.harness import Harness
from tests.shared.probe import tables


async def test_prepared_rows_write_nothing_until_inserted_and_then_are_delivered_like_published_ones(
    probe: Harness,
) -> None:
    publisher = EventPublisher(tables, [Subscriber(name="receiver", url="http://receiver.test/v1/events")], "asylum")
    e, d = tables.outbox_events, tables.outbox_deliveries
    opened = [("asylum.case.opened", CaseOpened(case_id=f"c{i}", applicant_id="a", partner_id="DE")) for i in range(3)]
    async with probe.app.state.sessionmaker() as session, session.begin():
        envelopes, event_rows, delivery_rows = await publisher.prepare_many(session, opened, partner_id="DE")
        assert (await session.execute(select(func.count()).select_from(e))).scalar_one() == 0
        assert [row["event_id"] for row in event_rows] == [x.id for x in envelopes]
        assert [(row["event_id"], row["subscriber"]) for row in delivery_rows] == [
            (x.id, "receiver") for x in envelopes
        ]
        await session.execute(insert(e), event_rows)
        await session.execute(insert(d), delivery_rows)
    async with probe.app.state.sessionmaker() as session:
        stored = (await session.execute(select(e.c.event_id, e.c.partner_id).order_by(e.c.id))).all()
        assert [tuple(row) for row in stored] == [(x.id, "DE") for x in envelopes]
        pending = (await session.execute(select(d.c.event_id, d.c.status).order_by(d.c.id))).all()
        assert [tuple(row) for row in pending] == [(x.id, "pending") for x in envelopes]


async def test_nothing_to_prepare_for_no_events(probe: Harness) -> None:
    publisher = EventPublisher(tables, [], "asylum")
    async with probe.app.state.sessionmaker() as session, session.begin():
        assert await publisher.prepare_many(session, [], partner_id="DE") == ([], [], [])


async def test_each_payload_is_its_envelope_as_json(probe: Harness) -> None:
    publisher = EventPublisher(tables, [], "asylum")
    opened = [("asylum.case.opened", CaseOpened(case_id=f"c{i}", applicant_id="a", partner_id="DE")) for i in range(2)]
    async with probe.app.state.sessionmaker() as session, session.begin():
        for partner_id in ("DE", None):
            envelopes, event_rows, _ = await publisher.prepare_many(session, opened, partner_id=partner_id)
            assert [row["payload"] for row in event_rows] == [e.model_dump(mode="json") for e in envelopes]
            assert [list(row["payload"]) for row in event_rows] == [list(e.model_dump(mode="json")) for e in envelopes]
            assert all(row["payload"]["occurred_at"].endswith("Z") for row in event_rows)
